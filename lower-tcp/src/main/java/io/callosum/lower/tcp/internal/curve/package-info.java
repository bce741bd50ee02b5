/**
 * CurveZMQ (RFC 26) for the TCP lower: {@link io.callosum.lower.tcp.internal.curve.CurveSecurity}
 * runs the handshake and seals and opens frames; {@link
 * io.callosum.lower.tcp.internal.curve.ErrorCommand} carries a server's refusal to the client; the
 * crypto is NaCl's {@code crypto_box} composed from bouncycastle. See {@code lower-tcp/CURVE.md}.
 */
package io.callosum.lower.tcp.internal.curve;
