package io.callosum.upper.thrift.internal;

import io.callosum.Payload;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TProcessor;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.protocol.TProtocolException;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TTransportException;

/**
 * Serves one method through a {@link TProcessor} (e.g. a Processor from a current Thrift compiler).
 * A TApplicationException the processor answers with becomes a Callosum error (see {@link
 * ThriftMessages#processorError}); declared exceptions travel in the reply as usual.
 */
public final class ProcessorServer implements MethodServer {
  private final TProcessor processor;
  private final ServiceShape.MethodShape shape;
  private final TConfiguration configuration;

  public ProcessorServer(
      TProcessor processor, ServiceShape.MethodShape shape, TConfiguration configuration) {
    this.processor = processor;
    this.shape = shape;
    this.configuration = configuration;
  }

  @Override
  public Payload serve(byte[] request) throws Exception {
    ThriftMessages.checkCall(
        ThriftMessages.header(configuration, request), shape.method.getName(), shape.oneway());
    TMemoryBuffer out = ThriftMessages.buffer(configuration);
    try {
      processor.process(
          ThriftMessages.reader(configuration, request), ThriftMessages.protocol(out));
    } catch (TProtocolException | TTransportException e) {
      throw ThriftMessages.malformed(
          "the processor could not read the call of " + shape.method.getName(), e);
    }
    Payload reply = ThriftMessages.payload(out);
    if (reply.size() == 0) {
      return reply; // oneway
    }
    TProtocol in = ThriftMessages.reader(configuration, reply.bytes());
    TMessage header = in.readMessageBegin();
    if (header.type == TMessageType.EXCEPTION) {
      throw ThriftMessages.processorError(TApplicationException.readFrom(in));
    }
    return reply;
  }
}
