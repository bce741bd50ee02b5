/**
 * The RPC API of Callosum: a local endpoint in one of two roles ({@link io.callosum.BoundPeer},
 * {@link io.callosum.ConnectedPeer}, both {@link io.callosum.Peer}s), its connected counterparts
 * ({@link io.callosum.RemotePeer}) and what surrounds a call. Start at {@link io.callosum.Peer}.
 */
package io.callosum;
