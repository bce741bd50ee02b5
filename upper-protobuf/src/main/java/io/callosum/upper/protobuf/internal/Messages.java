package io.callosum.upper.protobuf.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.WireFormat;
import io.callosum.CodecException;
import io.callosum.Limits;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parses remote bytes into messages under limits: nesting depth, the input's own size (a length
 * prefix can never make protobuf allocate beyond the bytes that arrived), no trailing garbage, and
 * no field whose number is known but whose wire type is not (the sign of a wrong message type,
 * which protobuf alone would keep silently as an unknown field).
 */
public final class Messages {
  /** Nesting depth a remote may send (protobuf's default is 100; CVE-2024-7254 was about depth). */
  public static final int RECURSION_LIMIT = 64;

  private static final ClassValue<Message> DEFAULTS =
      new ClassValue<>() {
        @Override
        protected Message computeValue(Class<?> type) {
          try {
            return (Message) type.getMethod("getDefaultInstance").invoke(null);
          } catch (NoSuchMethodException
              | IllegalAccessException
              | InvocationTargetException
              | ClassCastException e) {
            throw new IllegalArgumentException(
                type.getName() + " is not a generated protobuf message class", e);
          }
        }
      };

  /**
   * Fields and messages one body may decode into: {@code Limits.maxElements}' default, as for
   * msgpack bodies. A field takes two bytes on the wire and, as an empty nested message, some 240
   * bytes of heap once parsed, so the input's size alone does not bound what it decodes into.
   */
  public static final int MAX_ELEMENTS = Limits.defaults().maxElements();

  private static final Map<Descriptor, Boolean> HAS_MESSAGE_FIELDS = new ConcurrentHashMap<>();

  private Messages() {}

  /** The default instance of a generated message class. */
  public static Message defaultInstance(Class<?> type) {
    if (!Message.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(type.getName() + " is not a protobuf message class");
    }
    return DEFAULTS.get(type);
  }

  /**
   * Parses {@code bytes} as {@code prototype}'s type; throws {@link CodecException} naming the
   * type.
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T parse(T prototype, byte[] bytes) {
    String type = prototype.getDescriptorForType().getFullName();
    T message;
    try {
      countElements(prototype.getDescriptorForType(), bytes, MAX_ELEMENTS, type);
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setRecursionLimit(RECURSION_LIMIT);
      in.setSizeLimit(bytes.length);
      message =
          (T) prototype.getParserForType().parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
      if (!in.isAtEnd()) {
        throw new CodecException(
            "cannot parse "
                + bytes.length
                + " bytes as "
                + type
                + ": an end-group tag at offset "
                + in.getTotalBytesRead()
                + " before the end");
      }
    } catch (InvalidProtocolBufferException | IllegalStateException | IllegalArgumentException e) {
      throw new CodecException(
          "cannot parse " + bytes.length + " bytes as " + type + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new CodecException("cannot parse " + bytes.length + " bytes as " + type + ": " + e, e);
    }
    String misfit = misfit(message, "");
    if (misfit != null) {
      throw new CodecException(
          "cannot parse "
              + bytes.length
              + " bytes as "
              + type
              + ": "
              + misfit
              + " (a message of another type?)");
    }
    return message;
  }

  /**
   * Counts the fields (known or not) and nested messages in {@code bytes} read as {@code d},
   * without building anything, and refuses more than {@code max} or nesting past {@link
   * #RECURSION_LIMIT}. Malformed input is left to the parser, which says what is wrong with it.
   */
  static void countElements(Descriptor d, byte[] bytes, int max, String type) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    int[] left = {max};
    try {
      count(d, in, left, max, 0, type, bytes.length);
    } catch (InvalidProtocolBufferException e) {
      // malformed: the parser reports it
    }
  }

  private static void count(
      Descriptor d, CodedInputStream in, int[] left, int max, int depth, String type, int size)
      throws IOException {
    if (depth > RECURSION_LIMIT) {
      return; // the parser refuses it, naming the depth
    }
    MessageFields fields = d == null ? null : MessageFields.of(d);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (--left[0] < 0) {
        throw new CodecException(
            "cannot parse "
                + size
                + " bytes as "
                + type
                + ": more than "
                + max
                + " fields and messages (Limits.maxElements)");
      }
      int wire = WireFormat.getTagWireType(tag);
      Descriptor nested = fields == null ? null : fields.type(WireFormat.getTagFieldNumber(tag));
      if (wire == WireFormat.WIRETYPE_END_GROUP) {
        return;
      } else if (wire == WireFormat.WIRETYPE_START_GROUP) {
        count(nested, in, left, max, depth + 1, type, size); // unknown groups: field by field
      } else if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && nested != null) {
        int limit = in.pushLimit(in.readRawVarint32());
        count(nested, in, left, max, depth + 1, type, size);
        in.popLimit(limit);
      } else {
        in.skipField(tag);
      }
    }
  }

  /**
   * The message-typed fields of one message type, looked up by number without allocating
   * (protobuf's own {@code findFieldByNumber} makes a key object per call): sorted numbers and
   * their types.
   */
  private record MessageFields(int[] numbers, Descriptor[] types) {
    private static final Map<Descriptor, MessageFields> CACHE = new ConcurrentHashMap<>();

    static MessageFields of(Descriptor d) {
      MessageFields f = CACHE.get(d);
      return f != null ? f : CACHE.computeIfAbsent(d, MessageFields::build);
    }

    private static MessageFields build(Descriptor d) {
      List<FieldDescriptor> fields =
          d.getFields().stream()
              .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
              .sorted(Comparator.comparingInt(FieldDescriptor::getNumber))
              .toList();
      int[] numbers = new int[fields.size()];
      Descriptor[] types = new Descriptor[fields.size()];
      for (int i = 0; i < numbers.length; i++) {
        numbers[i] = fields.get(i).getNumber();
        types[i] = fields.get(i).getMessageType();
      }
      return new MessageFields(numbers, types);
    }

    /** The message type of field {@code number}, or null if it is not a message field. */
    Descriptor type(int number) {
      int i = Arrays.binarySearch(numbers, number);
      return i >= 0 ? types[i] : null;
    }
  }

  /** Where {@code m} holds a known field number with another wire type, or null. */
  private static String misfit(Message m, String path) {
    Descriptor d = m.getDescriptorForType();
    for (Map.Entry<Integer, UnknownFieldSet.Field> u : m.getUnknownFields().asMap().entrySet()) {
      FieldDescriptor f = d.findFieldByNumber(u.getKey());
      if (f != null && !unknownEnumValues(f, u.getValue())) {
        int number = u.getKey();
        return "field "
            + path
            + f.getName()
            + " ("
            + number
            + ") has the wrong wire type for a "
            + f.getType().name().toLowerCase(Locale.ROOT);
      }
    }
    if (!HAS_MESSAGE_FIELDS.computeIfAbsent(d, Messages::hasMessageFields)) {
      return null;
    }
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String inner = path + f.getName() + ".";
      if (f.isRepeated()) {
        for (Object item : (List<?>) e.getValue()) {
          String found = misfit((Message) item, inner);
          if (found != null) {
            return found;
          }
        }
      } else {
        String found = misfit((Message) e.getValue(), inner);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /**
   * A closed (proto2) enum keeps values it does not know as unknown varints under its own number.
   */
  private static boolean unknownEnumValues(FieldDescriptor f, UnknownFieldSet.Field u) {
    return f.getJavaType() == FieldDescriptor.JavaType.ENUM
        && u.getFixed32List().isEmpty()
        && u.getFixed64List().isEmpty()
        && u.getLengthDelimitedList().isEmpty()
        && u.getGroupList().isEmpty();
  }

  private static boolean hasMessageFields(Descriptor d) {
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        return true;
      }
    }
    return false;
  }
}
