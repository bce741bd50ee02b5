// The demo service (see io.callosum.examples.uppers.DemoUpper) in Thrift.
// Generated Java is checked in; regenerate with upper-thrift/gen-thrift.sh.
namespace java io.callosum.examples.uppers.thrift.gen

exception DemoError {
  1: string reason
}

service Demo {
  string echo(1: string text)
  i64 add(1: i64 a, 2: i64 b)
  void fail(1: string reason) throws (1: DemoError error)
  void slow(1: i64 millis)
  // "next" is a reserved word of the Thrift IDL (a Ruby keyword), hence the longer name.
  i64 nextValue(1: string key)
}
