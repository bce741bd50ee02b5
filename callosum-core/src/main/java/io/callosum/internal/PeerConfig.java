package io.callosum.internal;

import io.callosum.CallInterceptor;
import io.callosum.Limits;
import io.callosum.Ordering;
import io.callosum.PeerListener;
import io.callosum.Timer;
import io.callosum.lower.Transport;
import io.callosum.upper.Codec;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.ToIntFunction;

/** Everything a peer was built with. Nullable fields mean "use the default". */
public record PeerConfig(
    String name,
    Transport transport,
    URI address,
    boolean bind,
    Codec codec,
    Ordering ordering,
    Limits limits,
    Executor handlerExecutor,
    Executor callbackExecutor,
    Timer timer,
    Duration defaultTimeout,
    Duration executionTimeout,
    Duration connectTimeout,
    List<CallInterceptor> interceptors,
    List<PeerListener> listeners,
    boolean compressReplies,
    boolean stackTracesInReplies,
    int streamWindowItems,
    long streamWindowBytes,
    int chunkSize,
    ToIntFunction<Optional<String>> shareWeights) {}
