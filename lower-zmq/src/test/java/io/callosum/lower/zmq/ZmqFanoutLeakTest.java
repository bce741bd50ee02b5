package io.callosum.lower.zmq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.callosum.auth.AllowListAuthenticator;
import io.callosum.auth.CurveKeyPair;
import io.callosum.fanout.BroadcastReceiver;
import io.callosum.fanout.Broadcaster;
import io.callosum.fanout.PipelineReceiver;
import io.callosum.fanout.PipelineSender;
import io.callosum.testing.Await;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** Failure paths of opening and CURVE open/close cycles give back context uses and ZAP domains. */
class ZmqFanoutLeakTest {
  @Test
  void aFailedBindReleasesItsContextUseAndZapDomain() {
    CurveKeyPair keys = CurveKeyPair.generate();
    ZmqTransport server =
        new ZmqTransport(
            ZmqOptions.defaults().withCurveServer(new AllowListAuthenticator("leak", keys)));
    try (Broadcaster b =
        Broadcaster.builder().transport(server).bind("zmq+tcp://127.0.0.1:0").build()) {
      int uses = server.openEndpoints();
      for (int i = 0; i < 20; i++) {
        assertThrows(
            UncheckedIOException.class,
            () -> Broadcaster.builder().transport(server).bind(b.address()).build());
        assertThrows(
            UncheckedIOException.class,
            () -> PipelineReceiver.builder().transport(server).bind(b.address()).build());
      }
      assertEquals(uses, server.openEndpoints(), "context uses after failed binds");
    }
    Await.until(
        "the context is released",
        () -> server.openEndpoints() == 0,
        () -> "uses: " + server.openEndpoints());
    // the domain is free again: another authenticator may take it on the same transport
    ZmqTransport again = server;
    try (BroadcastReceiver r =
            BroadcastReceiver.builder().transport(again).bind("zmq+tcp://127.0.0.1:0").build();
        PipelineSender s =
            PipelineSender.builder().transport(again).bind("zmq+tcp://127.0.0.1:0").build()) {}
    Await.until(
        "the context is released",
        () -> again.openEndpoints() == 0,
        () -> "uses: " + again.openEndpoints());
  }
}
