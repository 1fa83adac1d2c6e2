pythonRemoveTestsDir() { rm -rf "$out/@sitePackages@/tests"; }
if [ -z "${dontUsePythonRemoveTestsDir-}" ]; then postFixupHooks+=(pythonRemoveTestsDir); fi
