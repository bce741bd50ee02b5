package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.lower.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The callee scheduler alone, without a lower or a thread: one test per ordering rule of
 * ORDERING.md and per scheduling rule of CONCURRENCY.md, each named after its rule. The scheduler
 * reads no clock, so no test needs one.
 */
class CalleeSchedulerTest {
  private static final OrderKey K = OrderKey.of("k");
  private static final OrderKey OTHER = OrderKey.of("other");

  /** A call as a test sees it: a name to read failures by. */
  private static final class Call extends CalleeScheduler.Entry {
    final String name;

    Call(String name, OrderKey key, FairShares.Share share, long charge) {
      super(key, share, charge);
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Two remotes, connected to the scheduler {@link #scheduler} made last. */
  private FairShares.Share remote;

  private FairShares.Share otherRemote;

  /** A remote of its own (its key is the source's name). */
  private static FairShares.Source source(String name, int weight) {
    return new FairShares.Source(name, weight, name);
  }

  private CalleeScheduler<Call> scheduler(Ordering ordering, int concurrent, int queued) {
    return scheduler(
        ordering, Limits.builder().maxConcurrentCalls(concurrent).maxQueuedCalls(queued).build());
  }

  /** A scheduler with {@link #remote} and {@link #otherRemote} connected. */
  private CalleeScheduler<Call> scheduler(Ordering ordering, Limits limits) {
    CalleeScheduler<Call> s = new CalleeScheduler<>(ordering, limits);
    remote = s.join(source("remote", 1));
    otherRemote = s.join(source("other remote", 1));
    return s;
  }

  private Call call(String name, OrderKey key) {
    return new Call(name, key, remote, 10);
  }

  private static Envelope reply(int bytes) {
    return new Envelope(new byte[] {1}, new byte[bytes - 1]);
  }

  private static List<Call> admit(CalleeScheduler<Call> s, Call c) {
    List<Call> start = s.admit(c, List.of(), NO_CUT);
    assertNotNull(start, () -> c + " refused: " + c.refusal);
    return start;
  }

  /** Admits {@code c} with {@code ancestors}, when no call may be cut for it. */
  private static List<Call> admit(CalleeScheduler<Call> s, Call c, List<Call> ancestors) {
    return s.admit(c, ancestors, NO_CUT);
  }

  private static final Consumer<Call> NO_CUT =
      c -> {
        throw new AssertionError(c + " was cut");
      };

  /**
   * Reports a reply and returns the calls whose replies leave, checking each carries its own reply.
   */
  private static List<Call> reply(CalleeScheduler<Call> s, Call c, Envelope r) {
    List<Call> leaving = replied(s, c, r);
    for (Call l : leaving) {
      assertNotNull(l.takeReply(), l + " left without its reply");
    }
    return leaving;
  }

  /** The calls whose replies leave, in order, when {@code c} replies {@code r}. */
  private static List<Call> replied(CalleeScheduler<Call> s, Call c, Envelope r) {
    List<Call> leaving = new ArrayList<>();
    s.replied(c, r, leaving::add);
    return leaving;
  }

  /** Replies and exits, as a handler that returns does. */
  private static List<Call> finish(CalleeScheduler<Call> s, Call c) {
    reply(s, c, reply(8));
    return s.exited(c);
  }

  // ---------------------------------------------------------------- ORDERING.md: the three
  // policies

  @Test
  void none_runsCallsOnOneKeyConcurrently_andRepliesAsHandlersFinish() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 8, 8);
    Call a = call("a", K);
    Call b = call("b", K);
    assertEquals(List.of(a), admit(s, a));
    assertEquals(List.of(b), admit(s, b));
    assertEquals(List.of(b), reply(s, b, reply(8)), "b's reply leaves before a's");
    assertEquals(List.of(a), reply(s, a, reply(8)));
  }

  @Test
  void keyReturnOrdered_runsCallsOnOneKeyConcurrently_butRepliesLeaveInArrivalOrder() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_RETURN_ORDERED, 8, 8);
    Call a = call("a", K);
    Call b = call("b", K);
    Call c = call("c", K);
    assertEquals(List.of(a), admit(s, a));
    assertEquals(List.of(b), admit(s, b));
    assertEquals(List.of(c), admit(s, c));
    assertEquals(List.of(), reply(s, c, reply(8)), "c waits for a and b");
    assertEquals(List.of(), reply(s, b, reply(8)), "b waits for a");
    assertEquals(List.of(a, b, c), reply(s, a, reply(8)), "then all leave, in arrival order");
  }

  @Test
  void keySerialized_runsOneCallAtATimePerKey_inArrivalOrder_andRepliesInThatOrder() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call a = call("a", K);
    Call b = call("b", K);
    Call c = call("c", K);
    assertEquals(List.of(a), admit(s, a));
    assertEquals(List.of(), admit(s, b), "b waits for a");
    assertEquals(List.of(), admit(s, c), "c waits for b");
    assertEquals(List.of(a), reply(s, a, reply(8)));
    assertEquals(List.of(b), s.exited(a), "b runs once a's handler is gone");
    assertEquals(List.of(c), finish(s, b));
    assertEquals(List.of(), finish(s, c));
    assertEquals(0, s.entries());
  }

  // ---------------------------------------------------------------- ORDERING.md: keys

  @Test
  void theKeyIsTheOkeyWithItsMsgpackType_strAndBinAreDifferentKeys() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call str = call("str", OrderKey.of("k"));
    Call bin = call("bin", OrderKey.ofBytes(new byte[] {'k'}));
    assertEquals(List.of(str), admit(s, str));
    assertEquals(List.of(bin), admit(s, bin), "b\"k\" does not wait for \"k\"");
  }

  @Test
  void callsWithoutAKeyShareTheDefaultKey() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call a = call("a", OrderKey.NONE);
    Call b = call("b", OrderKey.NONE);
    assertEquals(List.of(a), admit(s, a));
    assertEquals(List.of(), admit(s, b), "keyless calls wait for each other");
    assertEquals(List.of(b), finish(s, a));
  }

  @Test
  void theKeySpaceIsSharedByAllRemotes_theMethodIsNotPartOfIt() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call a = new Call("a", K, remote, 10);
    Call b = new Call("b", K, otherRemote, 10);
    assertEquals(List.of(a), admit(s, a));
    assertEquals(List.of(), admit(s, b), "another remote's call on the same key waits too");
    assertEquals(List.of(b), finish(s, a));
  }

  @Test
  void keysAreIndependent_aSlowKeyNeverDelaysAnother() {
    for (Ordering ordering : List.of(Ordering.KEY_RETURN_ORDERED, Ordering.KEY_SERIALIZED)) {
      CalleeScheduler<Call> s = scheduler(ordering, 8, 8);
      Call slow = call("slow", K);
      Call waiting = call("waiting", K);
      Call other = call("other", OTHER);
      admit(s, slow);
      admit(s, waiting);
      assertEquals(List.of(other), admit(s, other), ordering + ": another key runs at once");
      assertEquals(
          List.of(other), reply(s, other, reply(8)), ordering + ": and its reply leaves at once");
    }
  }

  @Test
  void keySerialized_aCancelForACallQueuedBehindItsKeyRemovesItWithoutRunningIt() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call a = call("a", K);
    Call b = call("b", K);
    Call c = call("c", K);
    admit(s, a);
    admit(s, b);
    admit(s, c);
    assertTrue(s.cancel(b), "b was queued");
    assertEquals(List.of(b), reply(s, b, reply(8)), "its CANCELLED leaves at once");
    assertEquals(List.of(), s.exited(b), "removed: it starts nothing");
    assertEquals(List.of(c), finish(s, a), "c runs next, b never does");
    assertEquals(List.of(), finish(s, c));
    assertEquals(0, s.entries());
  }

  @Test
  void errorRepliesThatNeedNoHandlerLeaveAtOnce_outsideTheKeysOrder() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_RETURN_ORDERED, 1, 0);
    Call a = call("a", K);
    Call refused = call("refused", K);
    admit(s, a);
    assertNull(admit(s, refused, List.of()), "overloaded: answered by the owner at once");
    assertEquals(
        List.of(a), reply(s, a, reply(8)), "a refused call never holds back the key's replies");
    assertEquals(List.of(), s.exited(a));
    assertEquals(0, s.entries());
  }

  // ---------------------------------------------------------------- ORDERING.md: callback chains

  @Test
  void aNestedCallOnItsAncestorsKeyNeitherWaitsToRunNorWaitsToReply() {
    for (Ordering ordering : List.of(Ordering.KEY_RETURN_ORDERED, Ordering.KEY_SERIALIZED)) {
      CalleeScheduler<Call> s = scheduler(ordering, 8, 8);
      Call ancestor = call("ancestor", K);
      Call nested = call("nested", K);
      admit(s, ancestor);
      assertEquals(
          List.of(nested), admit(s, nested, List.of(ancestor)), ordering + ": runs at once");
      assertTrue(nested.nested);
      assertEquals(
          List.of(nested),
          reply(s, nested, reply(8)),
          ordering + ": its reply does not wait for the ancestor's");
      assertEquals(List.of(), s.exited(nested));
      assertEquals(List.of(ancestor), reply(s, ancestor, reply(8)));
      s.exited(ancestor);
      assertEquals(0, s.entries(), ordering.toString());
    }
  }

  @Test
  void aNestedCallDoesNotWaitForAHandlerSlot() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 1, 8);
    Call ancestor = call("ancestor", K);
    Call nested = call("nested", OTHER);
    Call plain = call("plain", OTHER);
    admit(s, ancestor); // holds the only slot
    assertEquals(List.of(), admit(s, plain), "an unrelated call waits for the slot");
    assertEquals(
        List.of(nested),
        admit(s, nested, List.of(ancestor)),
        "the nested one runs beyond maxConcurrentCalls");
    assertTrue(nested.slotExempt);
    assertFalse(nested.nested, "no key to bypass under NONE");
  }

  @Test
  void aNestedCallStillCountsTowardConcurrentPlusQueuedCalls() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 1);
    Call ancestor = call("ancestor", K);
    Call queued = call("queued", OTHER);
    Call nested = call("nested", K);
    admit(s, ancestor);
    admit(s, queued);
    assertNull(
        admit(s, nested, List.of(ancestor)),
        "2 calls admitted, the limit: a claimed ancestry does not pass it");
    assertTrue(
        nested.refusal.startsWith("2 calls in progress or queued (limit 2)"), nested.refusal);
  }

  @Test
  void callsThatAreNotPartOfTheChainStillWaitBehindTheAncestor() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call ancestor = call("ancestor", K);
    Call nested = call("nested", K);
    Call stranger = call("stranger", K);
    admit(s, ancestor);
    admit(s, nested, List.of(ancestor));
    assertEquals(List.of(), admit(s, stranger), "not in the chain: waits for the key");
    finish(s, nested);
    assertEquals(
        List.of(stranger),
        finish(s, ancestor),
        "and runs after the ancestor, not after the nested call");
  }

  @Test
  void onlyAnAncestorStillBeingServedCounts() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call gone = call("gone", K);
    Call holder = call("holder", K);
    Call claimant = call("claimant", K);
    admit(s, gone);
    finish(s, gone);
    admit(s, holder);
    assertEquals(
        List.of(), admit(s, claimant, List.of(gone)), "its ancestor has exited: no bypass");
    assertFalse(claimant.slotExempt);
    Call notAdmitted = call("never admitted", K);
    Call claimant2 = call("claimant2", K);
    assertEquals(
        List.of(),
        admit(s, claimant2, List.of(notAdmitted)),
        "an ancestor that was never admitted gives none");
  }

  @Test
  void aNestedCallOnAnotherKeyWaitsForThatKeysHolder_whoIsStartedAtOnceIfItWaitsForASlot() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 8);
    Call ancestor = call("ancestor", K);
    Call holder = call("holder", OTHER);
    Call nested = call("nested", OTHER);
    admit(s, ancestor); // the only slot
    assertEquals(List.of(), admit(s, holder), "holds OTHER but waits for a slot");
    assertEquals(
        List.of(holder),
        admit(s, nested, List.of(ancestor)),
        "the holder is promoted; the nested call still waits for it");
    assertFalse(nested.nested);
    assertEquals(List.of(nested), finish(s, holder), "then the nested call runs");
  }

  @Test
  void keyReturnOrdered_aNestedCallPromotesTheCallsWhoseRepliesMustLeaveFirst() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_RETURN_ORDERED, 1, 8);
    Call ancestor = call("ancestor", K);
    Call earlier = call("earlier", OTHER);
    Call nested = call("nested", OTHER);
    admit(s, ancestor); // the only slot
    assertEquals(List.of(), admit(s, earlier), "waits for a slot");
    List<Call> start = admit(s, nested, List.of(ancestor));
    assertEquals(2, start.size());
    assertTrue(
        start.containsAll(List.of(earlier, nested)),
        "the reply before the nested one must not wait for a slot: " + start);
    assertEquals(
        List.of(),
        reply(s, nested, reply(8)),
        "other key than its ancestor: it keeps OTHER's order");
    assertEquals(List.of(earlier, nested), reply(s, earlier, reply(8)));
  }

  // ---------------------------------------------------------------- CONCURRENCY.md

  @Test
  void atMostMaxConcurrentCallsRun_upToMaxQueuedCallsMoreWait_beyondThatOverloaded() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 2, 1);
    Call a = call("a", K);
    Call b = call("b", K);
    Call c = call("c", K);
    Call d = call("d", K);
    assertEquals(List.of(a), admit(s, a));
    assertEquals(List.of(b), admit(s, b));
    assertEquals(List.of(), admit(s, c), "both slots taken: c waits");
    assertNull(admit(s, d, List.of()), "slots and queue full: overloaded");
    assertEquals("3 calls in progress or queued (limit 3)", d.refusal);
    assertEquals(List.of(c), finish(s, a), "a slot frees: c runs");
    assertEquals(List.of(), finish(s, b));
    assertEquals(List.of(), finish(s, c));
    assertEquals(0, s.entries());
  }

  @Test
  void requestBodiesAndHeldRepliesAreBoundedByMaxBufferedBytes_oneCallIsAlwaysAccepted() {
    CalleeScheduler<Call> s =
        scheduler(Ordering.KEY_RETURN_ORDERED, Limits.builder().maxBufferedBytes(100).build());
    Call huge = new Call("huge", K, remote, 1_000);
    assertEquals(List.of(huge), admit(s, huge), "nothing held: accepted whatever its size");
    Call next = new Call("next", K, remote, 1);
    assertNull(admit(s, next, List.of()));
    assertEquals("1000 bytes of calls and stream windows held (limit 100)", next.refusal);
    finish(s, huge);
    assertEquals(0, remote.bytes());

    Call first = new Call("first", K, remote, 10);
    Call second = new Call("second", K, remote, 10);
    admit(s, first);
    admit(s, second);
    reply(s, second, reply(70)); // held: first has not replied
    assertEquals(90, remote.bytes(), "the held reply counts with the bodies");
    assertNull(admit(s, new Call("third", K, remote, 20), List.of()), "90 + 20 > 100");
    reply(s, first, reply(8));
    assertEquals(20, remote.bytes(), "released replies count no more");
    s.exited(first);
    s.exited(second);
    assertEquals(0, remote.bytes());
    assertEquals(0, s.entries());
  }

  @Test
  void keySerialized_theKeyIsReleasedOnlyWhenTheRunningHandlerHasReturned() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 8, 8);
    Call running = call("running", K);
    Call next = call("next", K);
    admit(s, running);
    admit(s, next);
    assertFalse(s.cancel(running), "a running call is not removed");
    assertEquals(List.of(running), reply(s, running, reply(8)), "CANCELLED leaves at once");
    assertEquals(
        List.of(next), s.exited(running), "the key passes on only when its handler returns");
  }

  @Test
  void aCallWaitingForASlotIsRemovedWithoutRunningWhenCancelled() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 1, 8);
    Call a = call("a", K);
    Call waiting = call("waiting", K);
    Call after = call("after", K);
    admit(s, a);
    admit(s, waiting);
    admit(s, after);
    assertTrue(s.cancel(waiting));
    assertEquals(
        List.of(waiting),
        replied(s, waiting, null),
        "the caller is gone (close): it leaves with nothing to send");
    assertNull(waiting.takeReply());
    assertEquals(List.of(), s.exited(waiting));
    assertEquals(
        List.of(after), finish(s, a), "the slot goes to the next one, never to the removed call");
  }

  @Test
  void everyReplyIsReportedOnce_andEveryExitOnce() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 8);
    Call a = call("a", K);
    Call b = call("b", K);
    admit(s, a);
    admit(s, b);
    assertEquals(List.of(a), reply(s, a, reply(8)));
    assertEquals(
        List.of(),
        replied(s, a, reply(8)),
        "a second reply is ignored (e.g. a timeout racing the handler)");
    assertFalse(CalleeScheduler.done(a));
    assertEquals(List.of(b), s.exited(a));
    assertTrue(CalleeScheduler.done(a));
    assertEquals(List.of(), s.exited(a), "a second exit frees nothing");
    finish(s, b);
    assertEquals(0, s.entries());
  }

  @Test
  void everyTableIsEmptiedAsCallsEnd_andEachRemotesShareWithThem() {
    for (Ordering ordering : Ordering.values()) {
      CalleeScheduler<Call> s = scheduler(ordering, 2, 100);
      List<Call> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Call c = new Call("c" + i, i % 3 == 0 ? K : OTHER, i % 2 == 0 ? remote : otherRemote, 5);
        calls.add(c);
        admit(s, c);
      }
      assertEquals(10, remote.calls());
      assertEquals(50, otherRemote.bytes());
      List<Call> runnable = new ArrayList<>();
      for (Call c : calls) {
        if (c.state == CalleeScheduler.State.RUNNING) {
          runnable.add(c);
        }
      }
      while (!runnable.isEmpty()) {
        Call c = runnable.remove(0);
        reply(s, c, reply(8));
        runnable.addAll(s.exited(c));
      }
      for (Call c : calls) {
        assertTrue(CalleeScheduler.done(c), ordering + ": " + c + " never ran");
      }
      assertEquals(0, s.entries(), ordering.toString());
      assertEquals(0, remote.calls() + otherRemote.calls());
      assertEquals(0, remote.bytes() + otherRemote.bytes());
    }
  }

  // ---------------------------------------------------------------- fair shares (LIMITS.md)

  /** Admits {@code n} calls named {@code prefix1..n} of {@code source}; returns them in order. */
  private static List<Call> admitMany(
      CalleeScheduler<Call> s, String prefix, FairShares.Share source, OrderKey key, int n) {
    List<Call> calls = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      Call c = new Call(prefix + i, key, source, 10);
      admit(s, c);
      calls.add(c);
    }
    return calls;
  }

  /** Admits {@code c} and returns the call the scheduler cut for it (null: none). */
  private static Call admitCutting(CalleeScheduler<Call> s, Call c) {
    List<Call> cut = new ArrayList<>();
    assertNotNull(s.admit(c, List.of(), cut::add), () -> c + " refused: " + c.refusal);
    assertTrue(cut.size() <= 1, cut::toString);
    return cut.isEmpty() ? null : cut.get(0);
  }

  /** The owner's part for a cut call: its error reply leaves, then it is reported exited. */
  private static void answerCut(CalleeScheduler<Call> s, Call cut) {
    assertTrue(s.cancel(cut), "a cut call is out of its queue");
    replied(s, cut, reply(8));
    assertEquals(List.of(), s.exited(cut), "a cut call frees no slot");
  }

  @Test
  void aLoneRemoteMayUseEverySlotAndTheWholeQueue() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 3, 5);
    List<Call> calls = admitMany(s, "c", remote, K, 8);
    assertEquals(3, remote.running(), "every slot, with nobody else waiting");
    assertEquals(8, remote.calls(), "and the whole queue");
    assertNull(admit(s, call("ninth", K), List.of()), "one more is refused: it holds the most");
  }

  @Test
  void aFreeSlotGoesToTheWaitingRemoteWithTheFewestRunningCalls_notToTheOldestCall() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 2, 100);
    List<Call> hog = admitMany(s, "hog", remote, K, 20); // hog1, hog2 run; 18 wait
    List<Call> victim = admitMany(s, "victim", otherRemote, K, 2);
    assertEquals(
        List.of(victim.get(0)),
        finish(s, hog.get(0)),
        "the first slot to free goes to the remote running nothing, ahead of 18 older calls");
    assertEquals(
        List.of(victim.get(1)),
        finish(s, victim.get(0)),
        "still the remote running fewer (0 against 1)");
    assertEquals(
        List.of(hog.get(2)), finish(s, hog.get(1)), "1 against 1: turns; the hog's next call");
    assertEquals(List.of(hog.get(3)), finish(s, victim.get(1)), "the victim has nothing waiting");
  }

  @Test
  void remotesRunningEquallyTakeTurns() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 1, 100);
    FairShares.Share third = s.join(source("third", 1));
    Call first = call("first", K);
    admit(s, first); // the only slot
    List<Call> a = admitMany(s, "a", remote, K, 2);
    List<Call> b = admitMany(s, "b", otherRemote, K, 2);
    List<Call> c = admitMany(s, "c", third, K, 2);
    List<Call> order = new ArrayList<>();
    Call running = first;
    for (int i = 0; i < 6; i++) {
      List<Call> next = finish(s, running);
      assertEquals(1, next.size());
      running = next.get(0);
      order.add(running);
    }
    assertEquals(
        List.of(a.get(0), b.get(0), c.get(0), a.get(1), b.get(1), c.get(1)),
        order,
        "each remote in turn, not each remote's calls in a row");
    finish(s, running);
    assertEquals(0, s.entries());
  }

  @Test
  void slotsAreSharedInProportionToTheWeights() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 4, 100);
    FairShares.Share heavy = s.join(source("heavy", 3));
    List<Call> running = new ArrayList<>(admitMany(s, "light", remote, K, 30).subList(0, 4));
    admitMany(s, "heavy", heavy, K, 30);
    for (int i = 0; i < 12; i++) { // the oldest running call ends, again and again
      running.addAll(finish(s, running.remove(0)));
    }
    assertEquals(3, heavy.running(), "weight 3: three slots of four");
    assertEquals(1, remote.running(), "weight 1: one");
  }

  @Test
  void whenTheQueueIsFull_theRemoteHoldingTheMostGivesUpItsNewestWaitingCall() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 1, 3);
    List<Call> hog = admitMany(s, "hog", remote, K, 4); // hog1 runs, hog2..4 wait: full
    Call v1 = new Call("v1", K, otherRemote, 10);
    Call cut = admitCutting(s, v1);
    assertSame(hog.get(3), cut, "the newest waiting call of the remote holding the most");
    assertEquals(
        "cut from the queue for a call of another remote: 4 calls in progress or queued"
            + " (limit 4), and this remote held the most (remote: 4 calls (1 running) and 40"
            + " bytes held)",
        cut.refusal);
    answerCut(s, cut);
    assertSame(hog.get(2), admitCutting(s, new Call("v2", K, otherRemote, 10)), "3 against 1+1");
    answerCut(s, hog.get(2));
    Call v3 = new Call("v3", K, otherRemote, 10);
    assertNull(admit(s, v3, List.of()), "2 against 2+1: the arriving call is refused");
    assertEquals("4 calls in progress or queued (limit 4)", v3.refusal);
    assertNull(admit(s, call("hog5", K), List.of()), "and the hog's too");
    assertEquals(2, remote.calls());
    assertEquals(2, otherRemote.calls());
  }

  @Test
  void theQueueIsSharedInProportionToTheWeights() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 1, 5);
    FairShares.Share heavy = s.join(source("heavy", 2));
    admitMany(s, "light", remote, K, 6); // full
    for (int i = 1; i <= 6; i++) {
      Call c = new Call("heavy" + i, K, heavy, 10);
      List<Call> cut = new ArrayList<>();
      if (s.admit(c, List.of(), cut::add) == null) {
        break;
      }
      cut.forEach(x -> answerCut(s, x));
    }
    assertEquals(4, heavy.calls(), "weight 2: four places of six");
    assertEquals(2, remote.calls(), "weight 1: two (one of them running)");
  }

  @Test
  void onlyWaitingCallsAreCut_aRemoteThatOnlyRunsIsNeverCut() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 3, 0);
    admitMany(s, "runs", remote, K, 3);
    assertNull(
        admit(s, new Call("v", K, otherRemote, 10), List.of()),
        "no waiting call to cut: refused, whoever holds more");
  }

  @Test
  void keySerialized_fairSharesNeverReorderTheCallsOfOneKey() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 100);
    List<Call> hog = admitMany(s, "hog", remote, K, 3);
    Call victim = new Call("victim", K, otherRemote, 10);
    assertEquals(List.of(), admit(s, victim), "same key: waits behind the hog's calls");
    assertEquals(List.of(hog.get(1)), finish(s, hog.get(0)), "the key's order comes first");
    assertEquals(List.of(hog.get(2)), finish(s, hog.get(1)));
    assertEquals(List.of(victim), finish(s, hog.get(2)));
  }

  @Test
  void keySerialized_aCutCallLeavesItsKeysQueue_andTheKeyPassesOnInOrder() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 2);
    List<Call> hog = admitMany(s, "hog", remote, K, 3); // hog1 holds K; hog2, hog3 wait for it
    Call v = new Call("v", OTHER, otherRemote, 10);
    assertSame(hog.get(2), admitCutting(s, v));
    answerCut(s, hog.get(2));
    assertEquals(List.of(hog.get(0)), reply(s, hog.get(0), reply(8)));
    assertEquals(
        List.of(v), s.exited(hog.get(0)), "the slot: to the remote running nothing (v on OTHER)");
    assertEquals(List.of(hog.get(1)), finish(s, v), "K passes to hog2, never to the cut hog3");
    finish(s, hog.get(1));
    assertEquals(0, s.entries());
  }

  @Test
  void keySerialized_aKeyHolderWaitingForASlotThatIsCutPassesItsKeyOn() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 2);
    Call runs = call("runs", OTHER);
    admit(s, runs);
    Call holder = call("holder", K); // holds K, waits for the slot
    Call behind = new Call("behind", K, s.join(source("third", 1)), 10); // waits for K
    admit(s, holder);
    admit(s, behind);
    Call v = new Call("v", OrderKey.of("v"), otherRemote, 10);
    assertSame(holder, admitCutting(s, v), "its remote holds 2, the arriving one would hold 1");
    answerCut(s, holder);
    assertEquals(
        CalleeScheduler.State.QUEUED_SLOT, behind.state, "K passed on: it waits for the slot now");
    assertEquals(List.of(v), finish(s, runs), "v waited for the slot first");
    assertEquals(List.of(behind), finish(s, v));
    finish(s, behind);
    assertEquals(0, s.entries());
  }

  @Test
  void keyReturnOrdered_aCallStartedAheadOfItsTurnStillRepliesInArrivalOrder() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_RETURN_ORDERED, 2, 100);
    List<Call> hog = admitMany(s, "hog", remote, K, 3); // hog1, hog2 run, hog3 waits
    Call victim = new Call("victim", K, otherRemote, 10);
    admit(s, victim);
    assertEquals(List.of(hog.get(0)), reply(s, hog.get(0), reply(8)));
    assertEquals(List.of(victim), s.exited(hog.get(0)), "runs before hog3, which came first");
    assertEquals(List.of(), reply(s, victim, reply(8)), "but its reply waits for hog2's, hog3's");
    assertEquals(List.of(hog.get(2)), s.exited(victim));
    assertEquals(List.of(hog.get(1)), reply(s, hog.get(1), reply(8)));
    assertEquals(List.of(), s.exited(hog.get(1)));
    assertEquals(List.of(hog.get(2), victim), reply(s, hog.get(2), reply(8)));
    s.exited(hog.get(2));
    assertEquals(0, s.entries());
  }

  @Test
  void aRemovedCallClaimedAsAnAncestorGivesNoBypass() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_SERIALIZED, 1, 8);
    Call holder = call("holder", K);
    Call waiting = call("waiting", K);
    admit(s, holder);
    admit(s, waiting);
    assertTrue(s.cancel(waiting));
    assertEquals(CalleeScheduler.State.REMOVED, waiting.state, "out, not yet reported exited");
    Call claimant = new Call("claimant", K, otherRemote, 10);
    assertEquals(List.of(), admit(s, claimant, List.of(waiting)), "never served: no bypass");
    assertFalse(claimant.slotExempt);
  }

  @Test
  void aShareIsForgottenOnceNoLinkHoldsItAndItHoldsNothing() {
    CalleeScheduler<Call> s = scheduler(Ordering.KEY_RETURN_ORDERED, 1, 4);
    FairShares.Source leaving = source("leaving", 1);
    FairShares.Share share = s.join(leaving);
    assertSame(share, s.join(leaving), "a second link of the remote joins the same share");
    Call a = new Call("a", K, share, 10);
    Call b = call("b", K);
    admit(s, a);
    admit(s, b);
    s.leave(share);
    s.leave(share);
    assertEquals(List.of(a), reply(s, a, reply(8)));
    assertEquals(List.of(b), s.exited(a), "its links are gone, its call still counts");
    assertTrue(s.entries() > 0);
    assertEquals(List.of(b), reply(s, b, reply(8)));
    s.exited(b);
    assertEquals(0, s.entries(), "forgotten with its last call; connected remotes do not count");
    assertNotSame(share, s.join(leaving), "a remote that comes back starts afresh");
  }

  @Test
  void aReleasedReplyIsTakenOnce() {
    CalleeScheduler<Call> s = scheduler(Ordering.NONE, 1, 1);
    Call a = call("a", K);
    admit(s, a);
    Envelope r = reply(8);
    List<Call> leaving = replied(s, a, r);
    assertSame(r, leaving.get(0).takeReply());
    assertNull(a.takeReply(), "taken: the call no longer holds its bytes");
  }
}
