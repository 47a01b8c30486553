# Sourced by the benchmarks: compiles the modules (offline when it can) and sets $cp to run a class from cloud-verticles'
# test sources with every module's classes and the dependencies.
classpath_file="$PWD/cloud-verticles/target/bench.cp"
build_classpath() { mvn "$@" -q -B -pl cloud-verticles -am test-compile dependency:build-classpath -Dmdep.outputFile="$classpath_file" >/dev/null; }
# offline when every plugin is already here; a fresh machine fetches the dependency plugin once
build_classpath -o 2>/dev/null || build_classpath
cp="cloud-verticles/target/classes:cloud-verticles/target/test-classes:protocol/target/classes:edge-verticles/target/classes:web/target/classes:$(cat "$classpath_file")"
