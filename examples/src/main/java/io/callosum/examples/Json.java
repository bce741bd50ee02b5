package io.callosum.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callosum.upper.MsgpackCodec;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates between JSON text on the command line and the msgpack codec's generic values.
 *
 * <p>JSON has no byte strings, so they are tagged: a msgpack bin value is written as {@code
 * {"$bin": "<base64>"}}, and an object of exactly that form in an argument is sent as bin. Other
 * values JSON lacks are written tagged too and are read back as plain objects: a timestamp as
 * {@code {"$time": "<ISO-8601>"}}, another extension type as {@code {"$ext": type, "data":
 * "<base64>"}}. JSON object keys are strings, so a bin map key is written as {@code
 * "$bin:<base64>"} and any other non-string key as its JSON text. Thread-safe.
 */
final class Json {
  /** The tag of a byte string, in arguments and results. */
  static final String BIN = "$bin";

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /**
   * Parses JSON text into the codec's generic values: objects as {@link LinkedHashMap}, arrays as
   * {@link ArrayList}, integers as {@link Integer}, {@link Long} or {@link BigInteger}, other
   * numbers as {@link Double}, {@code {"$bin": "<base64>"}} as {@code byte[]}.
   *
   * @throws IllegalArgumentException if the text is not one JSON value, or a {@code $bin} is not
   *     base64
   */
  static Object parse(String text) {
    try {
      return fromNode(MAPPER.readTree(text));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Object fromNode(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      throw new IllegalArgumentException("not valid JSON: no value");
    }
    if (node.isObject()) {
      JsonNode bin = node.get(BIN);
      if (bin != null && node.size() == 1 && bin.isTextual()) {
        return decodeBase64(bin.asText());
      }
      Map<String, Object> map = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        map.put(e.getKey(), fromNode(e.getValue()));
      }
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      for (JsonNode item : node) {
        list.add(fromNode(item));
      }
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.numberValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return null;
  }

  private static byte[] decodeBase64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + BIN + "\" needs base64 text: " + e.getMessage(), e);
    }
  }

  /** Writes a generic value (as the msgpack codec decodes it) as one line of JSON. */
  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(toNode(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static JsonNode toNode(Object v) {
    if (v == null) {
      return NODES.nullNode();
    }
    if (v instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return NODES.numberNode(((Number) v).intValue());
    }
    if (v instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (v instanceof BigInteger bigInteger) {
      return NODES.numberNode(bigInteger);
    }
    if (v instanceof Float f) {
      return NODES.numberNode(f);
    }
    if (v instanceof Number number) {
      return NODES.numberNode(number.doubleValue());
    }
    if (v instanceof CharSequence) {
      return NODES.textNode(v.toString());
    }
    if (v instanceof byte[] || v instanceof ByteBuffer) {
      return NODES.objectNode().put(BIN, encodeBase64(v));
    }
    if (v instanceof Instant) {
      return NODES.objectNode().put("$time", v.toString());
    }
    if (v instanceof MsgpackCodec.Extension e) {

      return NODES.objectNode().put("$ext", e.type()).put("data", encodeBase64(e.data()));
    }
    if (v instanceof Map) {
      ObjectNode object = NODES.objectNode();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        object.set(key(e.getKey()), toNode(e.getValue()));
      }
      return object;
    }
    if (v instanceof Collection) {
      ArrayNode array = NODES.arrayNode();
      for (Object item : (Collection<?>) v) {
        array.add(toNode(item));
      }
      return array;
    }
    return NODES.textNode(v.toString());
  }

  private static String key(Object key) {
    if (key instanceof CharSequence) {
      return key.toString();
    }
    if (key instanceof byte[] || key instanceof ByteBuffer) {
      return BIN + ":" + encodeBase64(key);
    }
    return write(key);
  }

  private static String encodeBase64(Object bytes) {
    if (bytes instanceof byte[] array) {
      return Base64.getEncoder().encodeToString(array);
    }
    ByteBuffer b = ((ByteBuffer) bytes).duplicate();
    byte[] copy = new byte[b.remaining()];
    b.get(copy);
    return Base64.getEncoder().encodeToString(copy);
  }
}
