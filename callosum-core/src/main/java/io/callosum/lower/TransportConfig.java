package io.callosum.lower;

import java.time.Duration;

/**
 * What the core tells a lower when binding or connecting.
 *
 * @param localCapabilities the announcement to send in the handshake
 * @param maxMessageSize the largest envelope (header plus body) to accept; a lower may refuse
 *     bigger frames at its level, and the core checks again
 * @param connectTimeout how long a connect (with its handshake) may take
 */
public record TransportConfig(
    Capabilities localCapabilities, int maxMessageSize, Duration connectTimeout) {}
