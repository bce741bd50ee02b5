package io.callosum;

import java.util.Objects;

/**
 * A call's result with the metadata its handler replied with ({@link
 * CallContext#setReplyMetadata}), from {@link Invocation#invokeForReply}.
 *
 * @param value the result, decoded as the call asked
 * @param metadata the reply's metadata; empty when the handler set none or the remote does not
 *     announce metadata
 * @param <T> the result's type
 */
public record Reply<T>(T value, Metadata metadata) {
  public Reply {
    Objects.requireNonNull(metadata, "metadata");
  }
}
