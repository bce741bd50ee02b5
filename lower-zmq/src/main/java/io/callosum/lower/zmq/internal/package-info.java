/** Implementation of the ZeroMQ lower. Not exported. */
package io.callosum.lower.zmq.internal;
