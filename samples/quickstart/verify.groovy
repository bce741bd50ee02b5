// Runs after the sample's build (maven-invoker-plugin): the program ran and got its reply, and the
// sample asks for the version that was just built.
def log = new File(basedir, 'build.log').text
assert log.contains('reply: Hello, quickstart!') : 'the sample did not print its reply'
def pom = new File(basedir, 'pom.xml').text
assert pom.contains("<callosum.version>${projectVersion}</callosum.version>") :
    "samples/quickstart/pom.xml must ask for callosum.version ${projectVersion}"
