// GssServer is the JDK's own SASL GSSAPI acceptor (com.sun.security.sasl.gsskerb, the code a
// Hadoop server runs for KERBEROS) behind a tiny framed protocol, so the Go initiator can be
// checked against it without a Hadoop cluster:
//
//   java GssServer KEYTAB PRINCIPAL QOPS      prints "port N", then serves one connection:
//   C: frame(token)           S: frame(status byte ‖ challenge)   status 0 = continue, 1 = done
//   ...                        (after done, S also sends frame(negotiated QOP))
//   C: frame(wrapped msg)     S: frame(wrap("echo:" ‖ msg))        until the client closes
//
// A frame is a 4-byte big-endian length and the bytes. Errors go to stderr and end the process.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.security.PrivilegedExceptionAction;
import java.util.*;
import javax.security.auth.Subject;
import javax.security.auth.callback.*;
import javax.security.auth.login.*;
import javax.security.sasl.*;

public class GssServer {
  public static void main(String[] args) throws Exception {
    String keytab = args[0], principal = args[1], qops = args[2];
    Configuration jaas = new Configuration() {
      @Override public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
        Map<String, String> o = new HashMap<>();
        o.put("useKeyTab", "true");
        o.put("keyTab", keytab);
        o.put("principal", principal);
        o.put("storeKey", "true");
        o.put("isInitiator", "false");
        o.put("doNotPrompt", "true");
        return new AppConfigurationEntry[] {new AppConfigurationEntry(
            "com.sun.security.auth.module.Krb5LoginModule", AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, o)};
      }
    };
    LoginContext lc = new LoginContext("server", null, null, jaas);
    lc.login();
    Subject subject = lc.getSubject();
    String service = principal.substring(0, principal.indexOf('/'));
    String host = principal.substring(principal.indexOf('/') + 1, principal.indexOf('@'));
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      System.out.println("port " + ss.getLocalPort());
      System.out.flush();
      try (Socket s = ss.accept()) {
        Subject.doAs(subject, (PrivilegedExceptionAction<Void>) () -> {
          serve(s, service, host, qops);
          return null;
        });
      }
    }
  }

  static void serve(Socket s, String service, String host, String qops) throws Exception {
    DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
    Map<String, String> props = new HashMap<>();
    props.put(Sasl.QOP, qops);
    props.put(Sasl.SERVER_AUTH, "true");
    CallbackHandler cbh = callbacks -> {
      for (Callback c : callbacks) {
        if (c instanceof AuthorizeCallback) {
          AuthorizeCallback ac = (AuthorizeCallback) c;
          ac.setAuthorized(ac.getAuthenticationID().equals(ac.getAuthorizationID()));
          if (ac.isAuthorized()) ac.setAuthorizedID(ac.getAuthorizationID());
        }
      }
    };
    SaslServer ss = Sasl.createSaslServer("GSSAPI", service, host, props, cbh);
    while (!ss.isComplete()) {
      byte[] challenge = ss.evaluateResponse(read(in));
      byte[] reply = new byte[1 + (challenge == null ? 0 : challenge.length)];
      reply[0] = (byte) (ss.isComplete() ? 1 : 0);
      if (challenge != null) System.arraycopy(challenge, 0, reply, 1, challenge.length);
      write(out, reply);
    }
    String qop = (String) ss.getNegotiatedProperty(Sasl.QOP);
    write(out, qop.getBytes(StandardCharsets.UTF_8));
    System.err.println("GssServer: authenticated " + ss.getAuthorizationID() + " with qop " + qop);
    while (true) {
      byte[] msg;
      try {
        msg = read(in);
      } catch (EOFException e) {
        return;
      }
      byte[] plain = ss.unwrap(msg, 0, msg.length);
      byte[] echo = ("echo:" + new String(plain, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
      write(out, ss.wrap(echo, 0, echo.length));
    }
  }

  static byte[] read(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return b;
  }

  static void write(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
    out.flush();
  }
}
