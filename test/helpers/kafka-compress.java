// Compresses a file with Apache Kafka's own codecs, exactly as its Java producer compresses a record
// batch's records: java -cp '<kafka libs>/*' kafka-compress.java <input> <output prefix> writes
// <prefix>.gzip, .snappy (xerial framing), .lz4 (Kafka's LZ4 frame writer) and .zstd (zstd-jni).
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;

public class KafkaCompress {
  public static void main(String[] args) throws Exception {
    byte[] input = Files.readAllBytes(Path.of(args[0]));
    for (String codec : new String[] {"gzip", "snappy", "lz4", "zstd"}) {
      ByteBufferOutputStream buffer = new ByteBufferOutputStream(ByteBuffer.allocate(1024));
      try (OutputStream out = Compression.of(codec).build().wrapForOutput(buffer, (byte) 2)) {
        out.write(input);
      }
      ByteBuffer written = buffer.buffer();
      written.flip();
      byte[] bytes = new byte[written.remaining()];
      written.get(bytes);
      Files.write(Path.of(args[1] + "." + codec), bytes);
    }
  }
}
