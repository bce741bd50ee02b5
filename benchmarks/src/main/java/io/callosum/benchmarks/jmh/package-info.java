/**
 * JMH microbenchmarks of Callosum's hot paths, reached through the public API (core's internals are
 * not exported): the msgpack codec, snappy, and a full in-process echo with direct executors, which
 * covers header encode/decode, dispatch and the ordering scheduler. Run with {@code java -jar
 * benchmarks/target/benchmarks.jar}; see {@code benchmarks/README.md}.
 */
package io.callosum.benchmarks.jmh;
