package io.callosum.examples;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Main classes of child JVMs for {@link ChildProcessesTest}. */
final class ChildMains {
  private ChildMains() {}

  /** Says READY, then exits when its stdin ends, as the examples' children do. */
  static final class Obedient {
    public static void main(String[] args) {
      ParentLink.ready("obedient");
      ParentLink.awaitEnd();
    }
  }

  /** Says READY, then sleeps, whatever happens to its stdin: only a kill ends it. */
  static final class Deaf {
    public static void main(String[] args) throws InterruptedException {
      ParentLink.ready("deaf");
      Thread.sleep(Duration.ofMinutes(10).toMillis());
    }
  }

  /** Says something on stderr and exits 3 without READY. */
  static final class Failing {
    public static void main(String[] args) {
      System.err.println("first words");
      System.err.println("no such thing");
      System.exit(3);
    }
  }

  /**
   * A command with children of its own: starts one child of the kind {@code args[0]} names ({@code
   * Obedient} or {@code Deaf}) and prints {@code CHILD <pid>}, then waits to be ended.
   */
  static final class Parent {
    public static void main(String[] args) throws IOException, InterruptedException {
      Class<?> kind = args[0].equals("Deaf") ? Deaf.class : Obedient.class;
      List<ChildProcesses.Child> started = new ArrayList<>();
      ChildProcesses children = new ChildProcesses("parent");
      started.add(children.start("child", kind, List.of()));
      started.get(0).awaitReady(Duration.ofSeconds(60));
      System.out.println("CHILD " + started.get(0).pid());
      System.out.flush();
      Thread.sleep(Duration.ofMinutes(10).toMillis());
    }
  }
}
