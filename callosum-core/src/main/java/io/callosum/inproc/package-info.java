/**
 * The in-process lower ({@code inproc://name}), found by its scheme; pass a {@link
 * io.callosum.inproc.InProcessTransport} to a builder only to choose it explicitly.
 */
package io.callosum.inproc;
