package io.callosum.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callosum.Limits;
import io.callosum.OrderKey;
import io.callosum.Ordering;
import io.callosum.lower.Envelope;
import java.util.ArrayList;
import java.util.List;
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

    Call(String name, OrderKey key, CalleeScheduler.Share share, long charge) {
      super(key, share, charge);
      this.name = name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private final CalleeScheduler.Share remote = new CalleeScheduler.Share();
  private final CalleeScheduler.Share otherRemote = new CalleeScheduler.Share();

  private static CalleeScheduler<Call> scheduler(Ordering ordering, int concurrent, int queued) {
    return new CalleeScheduler<>(
        ordering, Limits.builder().maxConcurrentCalls(concurrent).maxQueuedCalls(queued).build());
  }

  private Call call(String name, OrderKey key) {
    return new Call(name, key, remote, 10);
  }

  private static Envelope reply(int bytes) {
    return new Envelope(new byte[] {1}, new byte[bytes - 1]);
  }

  private static List<Call> admit(CalleeScheduler<Call> s, Call c) {
    List<Call> start = s.admit(c, List.of());
    assertNotNull(start, () -> c + " refused: " + c.refusal);
    return start;
  }

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
    assertNull(s.admit(refused, List.of()), "overloaded: answered by the owner at once");
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
          List.of(nested), s.admit(nested, List.of(ancestor)), ordering + ": runs at once");
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
        s.admit(nested, List.of(ancestor)),
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
        s.admit(nested, List.of(ancestor)),
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
    s.admit(nested, List.of(ancestor));
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
    assertEquals(List.of(), s.admit(claimant, List.of(gone)), "its ancestor has exited: no bypass");
    assertFalse(claimant.slotExempt);
    Call notAdmitted = call("never admitted", K);
    Call claimant2 = call("claimant2", K);
    assertEquals(
        List.of(),
        s.admit(claimant2, List.of(notAdmitted)),
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
        s.admit(nested, List.of(ancestor)),
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
    List<Call> start = s.admit(nested, List.of(ancestor));
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
    assertNull(s.admit(d, List.of()), "slots and queue full: overloaded");
    assertEquals("3 calls in progress or queued (limit 3)", d.refusal);
    assertEquals(List.of(c), finish(s, a), "a slot frees: c runs");
    assertEquals(List.of(), finish(s, b));
    assertEquals(List.of(), finish(s, c));
    assertEquals(0, s.entries());
  }

  @Test
  void requestBodiesAndHeldRepliesAreBoundedByMaxBufferedBytes_oneCallIsAlwaysAccepted() {
    CalleeScheduler<Call> s =
        new CalleeScheduler<>(
            Ordering.KEY_RETURN_ORDERED, Limits.builder().maxBufferedBytes(100).build());
    Call huge = new Call("huge", K, remote, 1_000);
    assertEquals(List.of(huge), admit(s, huge), "nothing held: accepted whatever its size");
    Call next = new Call("next", K, remote, 1);
    assertNull(s.admit(next, List.of()));
    assertEquals("1000 bytes of calls and stream windows held (limit 100)", next.refusal);
    finish(s, huge);
    assertEquals(0, remote.bytes());

    Call first = new Call("first", K, remote, 10);
    Call second = new Call("second", K, remote, 10);
    admit(s, first);
    admit(s, second);
    reply(s, second, reply(70)); // held: first has not replied
    assertEquals(90, remote.bytes(), "the held reply counts with the bodies");
    assertNull(s.admit(new Call("third", K, remote, 20), List.of()), "90 + 20 > 100");
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
