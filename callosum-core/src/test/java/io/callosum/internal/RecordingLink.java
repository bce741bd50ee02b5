package io.callosum.internal;

import io.callosum.lower.Capabilities;
import io.callosum.lower.Envelope;
import io.callosum.lower.Link;
import io.callosum.lower.MemoryBudget;
import java.util.ArrayList;
import java.util.List;

/**
 * A link that keeps what it is asked to send, for tests of the core's parts without a lower. One
 * thread.
 */
final class RecordingLink implements Link {
  final Capabilities capabilities;
  final List<Envelope> sent = new ArrayList<>();

  /** Where the core counts what it holds for this link's remote. */
  MemoryBudget.Holder memory = MemoryBudget.NONE;

  /** What {@link #writesBodyPieces} says. */
  boolean writesBodyPieces;

  RecordingLink(Capabilities capabilities) {
    this.capabilities = capabilities;
  }

  @Override
  public String id() {
    return "test-link";
  }

  @Override
  public Capabilities remoteCapabilities() {
    return capabilities;
  }

  @Override
  public MemoryBudget.Holder memory() {
    return memory;
  }

  @Override
  public boolean writesBodyPieces() {
    return writesBodyPieces;
  }

  @Override
  public void send(Envelope envelope) {
    sent.add(envelope);
  }

  @Override
  public void close() {}

  /** The header of the {@code i}th envelope sent. */
  Header header(int i) throws BadMessageException {
    return MessageCodec.decodeHeader(sent.get(i).header(), 1024, 32);
  }

  /** The header of the last envelope sent. */
  Header last() throws BadMessageException {
    return header(sent.size() - 1);
  }
}
