// The descriptor of test/node/peers/fixtures/greeter.proto for @bufbuild/protobuf
// and @connectrpc/connect, written by hand (what protoc-gen-es would embed).
import { create, createFileRegistry, type DescMessage, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FieldDescriptorProto_Type, FieldDescriptorProto_Label } from '@bufbuild/protobuf/wkt';

const field = (name: string, number: number, type: FieldDescriptorProto_Type) => ({
  name, number, type, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: name,
});

const file = create(FileDescriptorProtoSchema, {
  name: 'greeter.proto',
  package: 'h2wasm.test',
  syntax: 'proto3',
  messageType: [
    { name: 'HelloRequest', field: [field('name', 1, FieldDescriptorProto_Type.STRING)] },
    { name: 'HelloReply', field: [field('message', 1, FieldDescriptorProto_Type.STRING)] },
    { name: 'CountRequest', field: [field('n', 1, FieldDescriptorProto_Type.UINT32)] },
    { name: 'CountReply', field: [field('i', 1, FieldDescriptorProto_Type.UINT32)] },
  ],
  service: [{
    name: 'Greeter',
    method: [
      { name: 'SayHello', inputType: '.h2wasm.test.HelloRequest', outputType: '.h2wasm.test.HelloReply' },
      { name: 'CountTo', inputType: '.h2wasm.test.CountRequest', outputType: '.h2wasm.test.CountReply', serverStreaming: true },
    ],
  }],
});

const registry = createFileRegistry(file, () => undefined);

export const Greeter = registry.getService('h2wasm.test.Greeter') as DescService;
export const HelloRequest = registry.getMessage('h2wasm.test.HelloRequest') as DescMessage;
export const HelloReply = registry.getMessage('h2wasm.test.HelloReply') as DescMessage;
