/**
 * The ZeroMQ lower ({@code zmq+tcp://}, {@code zmq+ipc://}, {@code zmq+inproc://}): start at {@link
 * io.callosum.lower.zmq.ZmqTransport}.
 */
package io.callosum.lower.zmq;
