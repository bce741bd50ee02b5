package io.callosum.upper.thrift.internal;

import io.callosum.CodecException;
import io.callosum.Payload;
import java.util.Arrays;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TConfiguration;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.TTransportException;

/**
 * The Thrift encoding this upper uses and its limits: the strict binary protocol, with string and
 * container lengths and the whole message bounded by the {@link TConfiguration}, so that a few
 * bytes claiming a huge string or list fail before anything is allocated.
 */
public final class ThriftMessages {
  /** 16 MiB for a message and a frame, nesting at most 64 deep. */
  public static final TConfiguration DEFAULT_CONFIGURATION =
      new TConfiguration(16 << 20, 16 << 20, 64);

  private ThriftMessages() {}

  /** The Callosum method name of a Thrift method: {@code Service.method}, e.g. {@code Calc.add}. */
  public static String wireName(String service, String method) {
    return service + "." + method;
  }

  /** The protocol both ends speak over {@code transport}. */
  public static TProtocol protocol(TTransport transport) {
    long limit = transport.getConfiguration().getMaxMessageSize();
    return new TBinaryProtocol(transport, limit, limit, true, true);
  }

  /** A protocol reading {@code bytes}, bounded by {@code configuration}. */
  public static TProtocol reader(TConfiguration configuration, byte[] bytes) {
    try {
      return protocol(new TMemoryInputTransport(configuration, bytes));
    } catch (TTransportException e) {
      throw new CodecException("the Thrift message does not fit the limits: " + e.getMessage(), e);
    }
  }

  /** A growing buffer to write one message into, bounded by {@code configuration}. */
  public static TMemoryBuffer buffer(TConfiguration configuration) {
    try {
      return new TMemoryBuffer(configuration, 128);
    } catch (TTransportException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bytes written to {@code buffer}. */
  public static Payload payload(TMemoryBuffer buffer) {
    return Payload.wrap(Arrays.copyOf(buffer.getArray(), buffer.length()));
  }

  /**
   * The message header at the start of {@code bytes}; a {@link CodecException} if there is none.
   */
  public static TMessage header(TConfiguration configuration, byte[] bytes) {
    try {
      return reader(configuration, bytes).readMessageBegin();
    } catch (TException | RuntimeException e) {
      throw malformed("no Thrift message header", e);
    }
  }

  /** Checks that a request to {@code method} carries a Thrift call of it. */
  public static TMessage checkCall(TMessage header, String method, boolean oneway) {
    byte expected = oneway ? TMessageType.ONEWAY : TMessageType.CALL;
    if (header.type != expected || !header.name.equals(method)) {
      throw new CodecException(
          "expected a Thrift "
              + typeName(expected)
              + " of "
              + method
              + ", got a "
              + typeName(header.type)
              + " of "
              + header.name);
    }
    return header;
  }

  /** The error sent back for an unreadable request: the caller sees {@code CODEC_ERROR}. */
  public static CodecException malformed(String what, Throwable cause) {
    return new CodecException("malformed Thrift request: " + what + ": " + cause, cause);
  }

  /**
   * Turns the TApplicationException a TProcessor wrote into the Callosum error the caller sees:
   * encoding problems become {@code CODEC_ERROR}, the rest ({@code INTERNAL_ERROR}, ...) is thrown
   * as is and so reaches the caller as a {@code RemoteUserException} naming TApplicationException.
   */
  public static Exception processorError(TApplicationException e) {
    return switch (e.getType()) {
      case TApplicationException.PROTOCOL_ERROR,
          TApplicationException.INVALID_MESSAGE_TYPE,
          TApplicationException.WRONG_METHOD_NAME,
          TApplicationException.BAD_SEQUENCE_ID,
          TApplicationException.INVALID_TRANSFORM,
          TApplicationException.INVALID_PROTOCOL ->
          new CodecException("malformed Thrift request: " + e.getMessage(), e);
      default -> e;
    };
  }

  static String typeName(byte type) {
    return switch (type) {
      case TMessageType.CALL -> "CALL";
      case TMessageType.REPLY -> "REPLY";
      case TMessageType.EXCEPTION -> "EXCEPTION";
      case TMessageType.ONEWAY -> "ONEWAY";
      default -> "message of type " + type;
    };
  }
}
