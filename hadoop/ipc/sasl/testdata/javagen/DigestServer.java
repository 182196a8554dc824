// DigestServer is the server half of a DIGEST-MD5 exchange done by the JDK's
// own provider (com.sun.security.sasl.digest), configured the way Hadoop's
// SaslRpcServer configures it for TOKEN auth: protocol "", server name
// "default", Sasl.QOP from the command line, Sasl.SERVER_AUTH true.
//
// It is driven over stdin/stdout by TestGenerateJavaFixtures (build tag
// javagen), which records the transcript into ../digestmd5_java.json. Lines:
//
//   out: CHALLENGE <hex>
//   in:  RESPONSE <hex>
//   out: RSPAUTH <hex> <qop> <cipher strength (high|medium|low) or ->
//   in:  WRAP <hex plain> <hex wrapped by the Go client>   (repeated)
//   out: REPLY <hex plain> <hex wrapped by Java>            (Java unwrapped and checked ours)
//   in:  END
//
// Any failure prints "ERR <message>" and exits 1.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.RealmCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslServer;

public class DigestServer {
  public static void main(String[] args) throws Exception {
    String qop = args[0];
    String username = args[1];
    char[] password = args[2].toCharArray();
    HexFormat hex = HexFormat.of();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    try {
      Map<String, String> props = new HashMap<>();
      props.put(Sasl.QOP, qop);
      props.put(Sasl.SERVER_AUTH, "true");
      SaslServer s = Sasl.createSaslServer("DIGEST-MD5", "", "default", props, callbacks -> {
        for (Callback cb : callbacks) {
          if (cb instanceof NameCallback nc) {
            if (!username.equals(nc.getDefaultName())) {
              throw new SecurityException("unknown user " + nc.getDefaultName());
            }
          } else if (cb instanceof PasswordCallback pc) {
            pc.setPassword(password);
          } else if (cb instanceof AuthorizeCallback ac) {
            ac.setAuthorized(ac.getAuthenticationID().equals(ac.getAuthorizationID()));
          } else if (cb instanceof RealmCallback rc) {
            rc.setText(rc.getDefaultText());
          }
        }
      });
      byte[] challenge = s.evaluateResponse(new byte[0]);
      System.out.println("CHALLENGE " + hex.formatHex(challenge));
      System.out.flush();

      String[] resp = in.readLine().split(" ");
      expect(resp[0], "RESPONSE");
      byte[] rspauth = s.evaluateResponse(hex.parseHex(resp[1]));
      if (!s.isComplete()) {
        throw new IllegalStateException("server not complete after the response");
      }
      Object strength = s.getNegotiatedProperty(Sasl.STRENGTH);
      System.out.println("RSPAUTH " + hex.formatHex(rspauth) + " " + s.getNegotiatedProperty(Sasl.QOP) + " "
          + (strength == null ? "-" : strength));
      System.out.flush();

      for (String line; (line = in.readLine()) != null;) {
        String[] f = line.split(" ");
        if (f[0].equals("END")) {
          return;
        }
        expect(f[0], "WRAP");
        byte[] plain = hex.parseHex(f[1]);
        byte[] wrapped = hex.parseHex(f[2]);
        byte[] got = s.unwrap(wrapped, 0, wrapped.length);
        if (!Arrays.equals(plain, got)) {
          // Java's DIGEST-MD5 returns an empty array for a bad MAC.
          throw new IllegalStateException("Java unwrap gave " + hex.formatHex(got) + ", want " + f[1]);
        }
        byte[] reply = new byte[plain.length + 1];
        reply[0] = (byte) 0xA5;
        for (int i = 0; i < plain.length; i++) {
          reply[i + 1] = (byte) ~plain[plain.length - 1 - i];
        }
        System.out.println("REPLY " + hex.formatHex(reply) + " " + hex.formatHex(s.wrap(reply, 0, reply.length)));
        System.out.flush();
      }
    } catch (Exception e) {
      System.out.println("ERR " + e);
      System.out.flush();
      System.exit(1);
    }
  }

  static void expect(String got, String want) {
    if (!got.equals(want)) {
      throw new IllegalStateException("got " + got + ", want " + want);
    }
  }
}
