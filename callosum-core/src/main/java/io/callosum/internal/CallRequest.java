package io.callosum.internal;

import io.callosum.Metadata;
import io.callosum.OrderKey;
import java.lang.reflect.Type;
import java.time.Duration;

/**
 * One call as the application asked for it, built by {@link InvocationImpl} and handed to {@link
 * OutgoingCalls}: everything about the call except what the peer adds (its seq, its chain).
 *
 * @param target the remote to call; null or disconnected fails the call
 * @param timeout null for none
 * @param body a value for the codec, or a {@link io.callosum.Payload} sent as it is
 * @param resultType the type to decode the result to; null for a raw {@link io.callosum.Payload}
 * @param parent the call this one is a callback of when made through {@code CallContext.caller()};
 *     null to take the call whose handler runs on the calling thread, if any
 * @param streams the streams the call opens: {@link Header#UPSTREAM}, {@link Header#DOWNSTREAM},
 *     both, or 0 for a unary call
 * @param metadata the call's metadata as the application set it (interceptors add to it)
 * @param withReply whether the result is a {@link io.callosum.Reply} of the value and the reply's
 *     metadata
 */
record CallRequest(
    RemoteLink target,
    String method,
    OrderKey orderKey,
    Duration timeout,
    boolean compress,
    Object body,
    Type resultType,
    ServerCall parent,
    int streams,
    Metadata metadata,
    boolean withReply) {}
