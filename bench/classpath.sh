# Sourced by the benchmarks: compiles the modules offline and sets $cp to run a class from cloud-verticles'
# test sources with every module's classes and the dependencies.
classpath_file="$PWD/cloud-verticles/target/bench.cp"
mvn -o -q -B -pl cloud-verticles -am test-compile dependency:build-classpath -Dmdep.outputFile="$classpath_file" >/dev/null
cp="cloud-verticles/target/classes:cloud-verticles/target/test-classes:protocol/target/classes:edge-verticles/target/classes:web/target/classes:$(cat "$classpath_file")"
