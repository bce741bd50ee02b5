package io.callosum.upper.protobuf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import org.junit.jupiter.api.Test;

/**
 * proto2 enums are closed: a value the reader does not know (a newer peer added it) is kept as an
 * unknown varint under the field's own number. That is the right wire type, not "a message of
 * another type", so it must parse, as protobuf itself parses it.
 */
class ClosedEnumTest {
  @Test
  void anUnknownValueOfAClosedEnumIsNotAMisfit() throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("closed.proto")
            .setPackage("closed")
            .setSyntax("proto2")
            .addEnumType(
                EnumDescriptorProto.newBuilder()
                    .setName("Color")
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(0))
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("GREEN").setNumber(1)))
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("Paint")
                    .addField(
                        FieldDescriptorProto.newBuilder()
                            .setName("color")
                            .setNumber(1)
                            .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
                            .setType(FieldDescriptorProto.Type.TYPE_ENUM)
                            .setTypeName(".closed.Color")))
            .build();
    Descriptor paint =
        FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("Paint");
    byte[] blue = {0x08, 0x02}; // color = 2, a value added by a newer version of the .proto

    DynamicMessage plain = DynamicMessage.parseFrom(paint, blue); // protobuf accepts it
    assertEquals(1, plain.getUnknownFields().asMap().size());
    DynamicMessage parsed = Messages.parse(DynamicMessage.getDefaultInstance(paint), blue);
    assertEquals(plain, parsed);
  }
}
