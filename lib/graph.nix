# The dependency graph of a lock, made acyclic so it can become Nix derivations.
{ lib }:
rec {
  /* acyclic :: { roots :: [string]; deps :: attrs of [string] } -> attrs of [string]
     `deps` with the back edges of a depth-first search (from the sorted roots, then every other
     node in sorted order) removed. Every node stays reachable from where it was reachable.
     Example: acyclic { roots = [ "a" ]; deps = { a = [ "b" ]; b = [ "a" ]; }; } == { a = [ "b" ]; b = [ ]; }
  */
  acyclic = { roots, deps }:
    let
      visit = state: node:
        if state.done ? ${node} then state
        else
          let
            entered = state // { done = state.done // { ${node} = true; }; stack = state.stack // { ${node} = true; }; };
            after = lib.foldl' (s: d:
              if !(deps ? ${d}) then s
              else if s.stack ? ${d} then s // { back = s.back // { "${node}>${d}" = true; }; }
              else visit s d) entered (deps.${node} or [ ]);
          in after // { stack = removeAttrs after.stack [ node ]; };
      order = lib.unique (lib.sort (a: b: a < b) roots ++ lib.sort (a: b: a < b) (lib.attrNames deps));
      final = lib.foldl' visit { done = { }; stack = { }; back = { }; } order;
    in
    lib.mapAttrs (node: ds: lib.filter (d: deps ? ${d} && !(final.back ? "${node}>${d}")) ds) deps;

  /* closure :: attrs of [string] -> string -> [string]
     Every node reachable from `start` (excluded), in an acyclic graph.
  */
  closure = graph: start:
    map (x: x.key) (lib.filter (x: x.key != start) (builtins.genericClosure {
      startSet = [ { key = start; } ];
      operator = x: map (d: { key = d; }) (graph.${x.key} or [ ]);
    }));
}
