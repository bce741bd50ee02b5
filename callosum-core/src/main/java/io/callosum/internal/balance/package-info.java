/**
 * Implementation of {@link io.callosum.BalancedPeer}: one connected peer per endpoint ({@code
 * Backend}), the choice of endpoint per call ({@code Picker}), resolution ({@code Resolution}),
 * retry delays ({@code Backoff}), handlers on every connection ({@code Handlers}), and the front
 * that ties them together ({@code Balancer}). Not exported; nothing here is API.
 */
package io.callosum.internal.balance;
