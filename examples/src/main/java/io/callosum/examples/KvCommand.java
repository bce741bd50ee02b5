package io.callosum.examples;

import io.callosum.CallTimeoutException;
import io.callosum.CallosumException;
import io.callosum.ConnectedPeer;
import io.callosum.ConnectionLostException;
import io.callosum.Peer;
import io.callosum.RemoteUserException;
import io.callosum.examples.kv.KvClient;
import io.callosum.examples.kv.KvCluster;
import io.callosum.examples.kv.Store;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code callosum kv get|put|delete|cas}: one call to the key-value store of {@code callosum
 * example kv}, through any of its nodes.
 */
@Command(
    name = "kv",
    header = "Call the key-value store of 'callosum example kv --keep-running'.",
    description = {
      "Connects to one node of the store (any: it routes the key to the node that owns it, or to"
          + " the key's replica when the owner is down) and makes one call:",
      "",
      "  callosum kv put    --connect ADDRESS KEY VALUE",
      "  callosum kv get    --connect ADDRESS KEY",
      "  callosum kv cas    --connect ADDRESS KEY EXPECTED VALUE",
      "  callosum kv delete --connect ADDRESS KEY",
      "",
      "get prints the value; the writes print the key's new version and the node that applied it."
    },
    // The exit codes apply to every kv command.
    scope = ScopeType.INHERIT,
    exitCodeList = {
      ExitCodes.OK + ":done",
      ExitCodes.FAILED + ":get, delete, cas: no such key; cas: the value was not the one expected",
      ExitCodes.USAGE_HELP,
      ExitCodes.TIMEOUT + ":no answer in time",
      ExitCodes.CONNECTION
          + ":node down: the node cannot be reached or was lost, or both nodes of the key are"
          + " down",
      ExitCodes.REFUSED + ":the node refused the call (e.g. it has not joined a cluster)"
    },
    subcommands = {
      KvCommand.Get.class,
      KvCommand.Put.class,
      KvCommand.Delete.class,
      KvCommand.Cas.class
    })
final class KvCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing command: one of get, put, delete, cas");
  }

  /** A call on one key through one node: the options and the outcome every kv command shares. */
  abstract static class KeyCall implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--connect",
        required = true,
        paramLabel = "ADDRESS",
        converter = OptionConverters.Address.class,
        description = "A node of the store, e.g. tcp://127.0.0.1:40123.")
    String address;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    /** The call on {@link #key}. */
    abstract Store.Result call(KvClient store);

    /** What a successful call prints: the key's new version and the node that applied it. */
    String printed(Store.Result r) {
      return "version " + r.version() + " (node " + r.node() + ")";
    }

    /**
     * Makes the call and reports its result: a result that is not OK, and any failure, is one line
     * on stderr.
     */
    @Override
    public Integer call() {
      if (key.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "a key has at least one character");
      }
      ZmqProbe.refuseEarly(address);
      try (ConnectedPeer peer =
          Callosum.newPeer(spec, () -> Peer.builder().name("kv").connect(address).build())) {
        Callosum.start(spec, peer);
        Store.Result r = call(new KvClient(peer, KvCluster.CALL_TIMEOUT));
        return switch (r.status()) {
          case OK -> {
            spec.commandLine().getOut().println(printed(r));
            spec.commandLine().getOut().flush();
            yield ExitCodes.OK;
          }
          case NO_SUCH_KEY -> OneLineError.report(spec, "no key '" + key + "'", ExitCodes.FAILED);
          case MISMATCH ->
              OneLineError.report(
                  spec,
                  "the value of '" + key + "' is '" + r.value() + "', not the one expected",
                  ExitCodes.FAILED);
        };
      } catch (RemoteUserException e) {
        if (e.remoteName().equals(Store.Unavailable.class.getName())) {
          return OneLineError.report(spec, OneLineError.said(e), ExitCodes.CONNECTION);
        }
        return OneLineError.report(spec, "the node failed: " + e.getMessage(), ExitCodes.REFUSED);
      } catch (ConnectionLostException e) {
        return OneLineError.report(spec, "node down: " + e.getMessage(), ExitCodes.CONNECTION);
      } catch (CallTimeoutException e) {
        return OneLineError.report(
            spec,
            "no answer from " + address + " in " + KvCluster.CALL_TIMEOUT.toSeconds() + " s",
            ExitCodes.TIMEOUT);
      } catch (CallosumException e) {
        return OneLineError.report(spec, e.getMessage(), ExitCodes.of(e));
      }
    }
  }

  /** {@code callosum kv get}. */
  @Command(
      name = "get",
      header = "Print the value of KEY.",
      description = "Prints the value of KEY on stdout, from the key's owner (or its replica).")
  static final class Get extends KeyCall {
    @Override
    Store.Result call(KvClient store) {
      return store.get(key);
    }

    @Override
    String printed(Store.Result r) {
      return r.value();
    }
  }

  /** {@code callosum kv put}. */
  @Command(
      name = "put",
      header = "Set KEY to VALUE.",
      description =
          "Sets KEY to VALUE on the key's owner and its replica; prints the key's new version and"
              + " the node that applied it.")
  static final class Put extends KeyCall {
    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    Store.Result call(KvClient store) {
      return store.put(key, value);
    }
  }

  /** {@code callosum kv delete}. */
  @Command(
      name = "delete",
      header = "Remove KEY.",
      description =
          "Removes KEY on the key's owner and its replica; prints the key's new version and the"
              + " node that applied it.")
  static final class Delete extends KeyCall {
    @Override
    Store.Result call(KvClient store) {
      return store.delete(key);
    }
  }

  /** {@code callosum kv cas}. */
  @Command(
      name = "cas",
      header = "Set KEY to VALUE if its value is EXPECTED.",
      description =
          "Compare-and-set: sets KEY to VALUE if its value is EXPECTED, as one step on the key's"
              + " owner; prints the key's new version and the node that applied it.")
  static final class Cas extends KeyCall {
    @Parameters(index = "1", paramLabel = "EXPECTED")
    String expected;

    @Parameters(index = "2", paramLabel = "VALUE")
    String value;

    @Override
    Store.Result call(KvClient store) {
      return store.cas(key, expected, value);
    }
  }
}
