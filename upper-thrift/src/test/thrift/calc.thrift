// The service the upper-thrift tests call. Generated Java is checked in: run ../../../gen-thrift.sh.
namespace java io.callosum.upper.thrift.testgen

exception CalcError {
  1: string reason
  2: i32 code
}

struct Pair {
  1: i64 a
  2: i64 b
}

service Calc {
  string echo(1: string text)
  i64 add(1: i64 a, 2: i64 b)
  i64 sum(1: list<Pair> pairs)
  double divide(1: double a, 2: double b) throws (1: CalcError error)
  void sleep(1: i64 millis)
  // "next" is a reserved word of the Thrift IDL (a Ruby keyword), hence the longer name.
  i64 nextValue(1: string key)
  string undeclared(1: string message)
  oneway void record(1: string note)
  i64 recorded()
}
