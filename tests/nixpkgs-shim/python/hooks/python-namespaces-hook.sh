# pythonNamespacesHook (nixpkgs: interpreters/python/hooks/python-namespaces-hook.sh): for each
# namespace in `pythonNamespaces` ("azure.mgmt"), remove the __init__.py (and its bytecode) at every
# level, making the package a PEP 420 portion.
pythonNamespacesHook() {
    local namespace segment path
    for namespace in ${pythonNamespaces[@]}; do
        path="$out/@sitePackages@"
        IFS='.' read -ra segments <<<"$namespace"
        for segment in "${segments[@]}"; do
            path="$path/$segment"
            if [ -f "$path/__init__.py" ]; then rm -v "$path/__init__.py"; fi
            if [ -d "$path/__pycache__" ]; then find "$path/__pycache__" -name '__init__*' -delete; fi
        done
    done
}
if [ -z "${dontUsePythonNamespacesHook-}" ] && [ -n "${pythonNamespaces-}" ]; then
    postFixupHooks+=(pythonNamespacesHook)
fi
