/** The public API of Callosum: {@link io.callosum.Peer} and what surrounds a call. Start at {@link io.callosum.Peer}. */
package io.callosum;
