// HadoopTestServer runs a real Hadoop IPC server (org.apache.hadoop.ipc.Server
// from the hadoop-common jar, protobuf engine 2) for the interop test in
// ../../interop_java_test.go (build tag javainterop). It serves Hadoop's
// own HAServiceProtocol (protocol name org.apache.hadoop.ha.HAServiceProtocol)
// with a token secret manager, so it accepts SIMPLE and TOKEN
// (DIGEST-MD5), or only TOKEN with a second argument "token-only", with
// hadoop.rpc.protection taken from the first argument.
//
// Behaviour the Go test relies on:
//   getServiceStatus      ACTIVE, notReadyReason = "<remote user> <auth method>"
//   transitionToActive    AccessControlException "denied for <user>"
//   transitionToStandby   StandbyException "rm2 is in standby"
//   transitionToObserver  RetriableException "try again later"
//   monitorHealth         sleeps 2 s (for cancellation tests)
// Token users named "expired" fail with InvalidToken; proxy user "oozie"
// may impersonate anyone, nobody else may.
//
// stdout: "PORT <n>", "TOKEN <id hex> <password hex>", "EXPIRED <id hex> <password hex>",
// "READY"; it stops when stdin closes.
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.HexFormat;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.ha.HAServiceProtocol;
import org.apache.hadoop.ha.HAServiceStatus;
import org.apache.hadoop.ha.proto.HAServiceProtocolProtos.HAServiceProtocolService;
import org.apache.hadoop.ha.protocolPB.HAServiceProtocolPB;
import org.apache.hadoop.ha.protocolPB.HAServiceProtocolServerSideTranslatorPB;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.ipc.ProtobufRpcEngine2;
import org.apache.hadoop.ipc.RPC;
import org.apache.hadoop.ipc.RetriableException;
import org.apache.hadoop.ipc.Server;
import org.apache.hadoop.ipc.StandbyException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.authorize.ProxyUsers;
import org.apache.hadoop.security.token.SecretManager;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.security.token.TokenIdentifier;

public class HadoopTestServer {
  public static class Ident extends TokenIdentifier {
    static final Text KIND = new Text("ORCA_TEST_TOKEN");
    Text user = new Text();

    public Ident() {}

    Ident(String u) {
      user = new Text(u);
    }

    @Override
    public Text getKind() {
      return KIND;
    }

    @Override
    public UserGroupInformation getUser() {
      return UserGroupInformation.createRemoteUser(user.toString());
    }

    @Override
    public void write(DataOutput out) throws IOException {
      user.write(out);
    }

    @Override
    public void readFields(DataInput in) throws IOException {
      user.readFields(in);
    }
  }

  static class Secrets extends SecretManager<Ident> {
    final javax.crypto.SecretKey key = createSecretKey("orca-yarn interop test key".getBytes());

    @Override
    protected byte[] createPassword(Ident id) {
      return createPassword(id.getBytes(), key);
    }

    @Override
    public byte[] retrievePassword(Ident id) throws InvalidToken {
      if (id.user.toString().equals("expired")) {
        throw new InvalidToken("token for expired has expired");
      }
      return createPassword(id.getBytes(), key);
    }

    @Override
    public Ident createIdentifier() {
      return new Ident();
    }
  }

  static class Impl implements HAServiceProtocol {
    static String who() {
      UserGroupInformation u = Server.getRemoteUser();
      return u + " " + u.getAuthenticationMethod();
    }

    @Override
    public void monitorHealth() throws IOException {
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    }

    @Override
    public void transitionToActive(StateChangeRequestInfo r) throws IOException {
      throw new AccessControlException("denied for " + Server.getRemoteUser().getShortUserName());
    }

    @Override
    public void transitionToStandby(StateChangeRequestInfo r) throws IOException {
      throw new StandbyException("rm2 is in standby");
    }

    @Override
    public void transitionToObserver(StateChangeRequestInfo r) throws IOException {
      throw new RetriableException("try again later");
    }

    @Override
    public HAServiceStatus getServiceStatus() {
      return new HAServiceStatus(HAServiceState.ACTIVE).setNotReadyToBecomeActive(who());
    }
  }

  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    conf.set("hadoop.rpc.protection", args[0]);
    conf.set("hadoop.proxyuser.oozie.hosts", "*");
    conf.set("hadoop.proxyuser.oozie.users", "*");
    UserGroupInformation.setConfiguration(conf); // auth_to_local rules for "user@REALM" names
    ProxyUsers.refreshSuperUserGroupsConfiguration(conf);
    if (args.length > 1 && args[1].equals("token-only")) {
      // What the RM scheduler and the NodeManagers do: TOKEN even on an
      // insecure cluster (ApplicationMasterService.serviceStart).
      conf = new Configuration(conf);
      conf.set("hadoop.security.authentication", "TOKEN");
    }
    RPC.setProtocolEngine(conf, HAServiceProtocolPB.class, ProtobufRpcEngine2.class);
    Secrets secrets = new Secrets();
    RPC.Server server = new RPC.Builder(conf)
        .setProtocol(HAServiceProtocolPB.class)
        .setInstance(HAServiceProtocolService.newReflectiveBlockingService(
            new HAServiceProtocolServerSideTranslatorPB(new Impl())))
        .setBindAddress("127.0.0.1").setPort(0).setNumHandlers(4)
        .setSecretManager(secrets)
        .build();
    server.start();
    HexFormat hex = HexFormat.of();
    Token<Ident> good = new Token<>(new Ident("appattempt_1_0001_000001"), secrets);
    Token<Ident> expired = new Token<>(new Ident("expired"), secrets);
    System.out.println("PORT " + server.getListenerAddress().getPort());
    System.out.println("TOKEN " + hex.formatHex(good.getIdentifier()) + " " + hex.formatHex(good.getPassword()));
    System.out.println("EXPIRED " + hex.formatHex(expired.getIdentifier()) + " " + hex.formatHex(expired.getPassword()));
    System.out.println("READY");
    System.out.flush();
    while (System.in.read() >= 0) {
      // run until the test closes stdin
    }
    server.stop();
  }
}
