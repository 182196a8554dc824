// GenFixtures writes the Java-produced fixtures that the Go tests in
// hadoop/security compare against byte for byte. It is run by hand through
// gen.sh (never by `go test`); its outputs in hadoop/security/testdata/ are
// committed. Every value below is mirrored as a constant in fixtures_test.go:
// change both together.
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.hadoop.hdfs.security.token.delegation.DelegationTokenIdentifier;
import org.apache.hadoop.io.BytesWritable;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.WritableUtils;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.security.token.TokenIdentifier;
import org.apache.hadoop.util.VersionInfo;

public class GenFixtures {
  // Known values; mirrored in fixtures_test.go.
  static final String DT_OWNER = "bjørn";
  static final String DT_RENEWER = "yarn";
  static final String DT_REAL_USER = "oozie";
  static final long DT_ISSUE = 1700000000123L;
  static final long DT_MAX = 1700604800456L;
  static final int DT_SEQ = 300;
  static final int DT_MASTER_KEY = 7;

  static final String HDFS_ALIAS = "ha-hdfs:mycluster";
  static final String HDFS_KIND = "HDFS_DELEGATION_TOKEN";
  static final String HDFS_SERVICE = "ha-hdfs:mycluster";

  static final String BIG_ALIAS = "big-token";
  static final String BIG_KIND = "ORCA_TEST_TOKEN";
  static final String BIG_SERVICE = "";

  static final String SECRET_ALIAS = "orca.secret";
  static final String EMPTY_SECRET_ALIAS = "orca.empty";

  static byte[] pattern(int n, int mul, int add) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((i * mul + add) & 0xff);
    }
    return b;
  }

  static String hex(byte[] b, int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < len; i++) {
      sb.append(String.format("%02x", b[i] & 0xff));
    }
    return sb.toString();
  }

  static void write(File dir, String name, byte[] data) throws IOException {
    try (FileOutputStream out = new FileOutputStream(new File(dir, name))) {
      out.write(data);
    }
  }

  static byte[] storage(Credentials c, Credentials.SerializedFormat f) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    DataOutputStream dos = new DataOutputStream(bos);
    if (f == null) {
      c.writeTokenStorageToStream(dos); // the default the YARN client path uses
    } else {
      c.writeTokenStorageToStream(dos, f);
    }
    dos.flush();
    return bos.toByteArray();
  }

  // Credentials keeps HashMaps; our Go writer sorts aliases. Byte equality
  // therefore needs the Java iteration order to be the sorted order: refuse
  // to write fixtures if a change of aliases broke that.
  static void requireSorted(Iterable<Text> keys, String what) {
    List<String> got = new ArrayList<>();
    for (Text t : keys) {
      got.add(t.toString());
    }
    List<String> sorted = new ArrayList<>(got);
    Collections.sort(sorted);
    if (!got.equals(sorted)) {
      throw new IllegalStateException(what + " iteration order " + got
          + " is not sorted; pick other aliases");
    }
  }

  public static void main(String[] args) throws Exception {
    File dir = new File(args[0]);

    DelegationTokenIdentifier dtid = new DelegationTokenIdentifier(
        new Text(DT_OWNER), new Text(DT_RENEWER), new Text(DT_REAL_USER));
    dtid.setIssueDate(DT_ISSUE);
    dtid.setMaxDate(DT_MAX);
    dtid.setSequenceNumber(DT_SEQ);
    dtid.setMasterKeyId(DT_MASTER_KEY);
    byte[] dtidBytes = dtid.getBytes();
    write(dir, "dtid.bin", dtidBytes);

    Token<TokenIdentifier> hdfs = new Token<>(dtidBytes, pattern(20, 1, 0xa0),
        new Text(HDFS_KIND), new Text(HDFS_SERVICE));
    // 200-byte identifier and 300-byte password: multi-byte VInt lengths.
    Token<TokenIdentifier> big = new Token<>(pattern(200, 7, 3), pattern(300, 13, 5),
        new Text(BIG_KIND), new Text(BIG_SERVICE));

    Credentials creds = new Credentials();
    creds.addToken(new Text(HDFS_ALIAS), hdfs);
    creds.addToken(new Text(BIG_ALIAS), big);
    creds.addSecretKey(new Text(SECRET_ALIAS), "s3cr3t-value".getBytes(StandardCharsets.UTF_8));
    creds.addSecretKey(new Text(EMPTY_SECRET_ALIAS), new byte[0]);
    requireSorted(creds.getTokenMap().keySet(), "tokens");
    requireSorted(creds.getSecretKeyMap().keySet(), "secrets");

    write(dir, "creds-default.hdts", storage(creds, null));
    write(dir, "creds-writable.hdts", storage(creds, Credentials.SerializedFormat.WRITABLE));
    write(dir, "creds-protobuf.hdts", storage(creds, Credentials.SerializedFormat.PROTOBUF));
    Credentials empty = new Credentials();
    write(dir, "empty-writable.hdts", storage(empty, Credentials.SerializedFormat.WRITABLE));
    write(dir, "empty-protobuf.hdts", storage(empty, Credentials.SerializedFormat.PROTOBUF));

    try (PrintWriter pw = new PrintWriter(new File(dir, "java-values.txt"), "UTF-8")) {
      pw.println("# Generated by javagen/GenFixtures.java with Hadoop " + VersionInfo.getVersion()
          + "; format: <kind> <input> <hex output>");
      long[] longs = {0, 1, -1, 127, 128, -112, -113, -120, -121, -128, -129, 200, 255, 256, 300,
          -256, -257, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, 1700000000123L,
          Long.MAX_VALUE, Long.MIN_VALUE};
      for (long v : longs) {
        DataOutputBuffer b = new DataOutputBuffer();
        WritableUtils.writeVLong(b, v);
        pw.println("vlong " + v + " " + hex(b.getData(), b.getLength()));
      }
      String[] texts = {"", "a", "bjørn", "ha-hdfs:mycluster"};
      for (String s : texts) {
        DataOutputBuffer b = new DataOutputBuffer();
        new Text(s).write(b);
        pw.println("text " + hex(s.getBytes(StandardCharsets.UTF_8), s.getBytes(StandardCharsets.UTF_8).length)
            + " " + hex(b.getData(), b.getLength()));
      }
      byte[][] blobs = {new byte[0], pattern(3, 1, 1)};
      for (byte[] blob : blobs) {
        DataOutputBuffer b = new DataOutputBuffer();
        new BytesWritable(blob).write(b);
        pw.println("byteswritable " + hex(blob, blob.length) + " " + hex(b.getData(), b.getLength()));
      }
      pw.println("tokenurl " + HDFS_ALIAS + " " + hdfs.encodeToUrlString());
      pw.println("tokenurl " + BIG_ALIAS + " " + big.encodeToUrlString());
    }
  }
}
