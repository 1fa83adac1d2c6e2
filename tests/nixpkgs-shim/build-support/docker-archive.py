"""Write a docker-archive tar.gz: every store path of the closures as a layer (up to maxLayers - 1,
the rest merged), a customisation layer linking the contents into /, manifest.json and config."""
import glob, gzip, hashlib, io, json, os, subprocess, sys, tarfile

out = sys.argv[1]
env = os.environ
paths = []
for f in sorted(glob.glob(os.path.join(env.get("NIX_BUILD_TOP", "."), "closure-*"))):
    lines = open(f).read().split("\n")
    i = 0
    while i + 2 < len(lines) and lines[i]:  # exportReferencesGraph: path, deriver, count, references
        if lines[i] not in paths:
            paths.append(lines[i])
        i += 3 + int(lines[i + 2])
max_layers = int(env["maxLayers"])
groups = [[p] for p in paths[: max_layers - 2]] + ([paths[max_layers - 2:]] if paths[max_layers - 2:] else [])

def layer(add) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add(tar)
    return buf.getvalue()

def store_layer(group):
    def add(tar):
        for p in group:
            tar.add(p, arcname=p.lstrip("/"))
    return add

os.makedirs("custom")
for c in env.get("contentPaths", "").split():
    for entry in sorted(os.listdir(c)) if os.path.isdir(c) else []:
        src = f"{c}/{entry}"
        if os.path.isdir(src):
            os.makedirs(f"custom/{entry}", exist_ok=True)
            for sub in os.listdir(src):
                if not os.path.lexists(f"custom/{entry}/{sub}"):
                    os.symlink(f"{src}/{sub}", f"custom/{entry}/{sub}")
        elif not os.path.lexists(f"custom/{entry}"):
            os.symlink(src, f"custom/{entry}")
if env.get("extraCommands"):
    subprocess.run(["bash", "-c", env["extraCommands"]], cwd="custom", check=True)
layers = [layer(store_layer(g)) for g in groups] + [layer(lambda tar: [tar.add(f"custom/{e}", arcname=e) for e in sorted(os.listdir("custom"))])]
diff_ids = ["sha256:" + hashlib.sha256(b).hexdigest() for b in layers]
config = {"architecture": env["architecture"], "os": "linux", "created": env["created"],
          "config": json.load(open(env["configJsonPath"])),
          "rootfs": {"type": "layers", "diff_ids": diff_ids}}
config_bytes = json.dumps(config, sort_keys=True).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
tag = f'{env["imageName"]}:{env["imageTag"]}'
manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": [d[7:] + "/layer.tar" for d in diff_ids]}]
with gzip.GzipFile(out, "wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
    def put(name, data):
        info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
    for d, b in zip(diff_ids, layers):
        put(d[7:] + "/layer.tar", b)
    put(config_name, config_bytes)
    put("manifest.json", json.dumps(manifest).encode())
print(f"docker image {tag}: {len(layers)} layers, {len(paths)} store paths")
