/*
 * orca-yarn secure test cluster: a pure-Java stand-in for Hadoop's SecureIOUtils, put before
 * hadoop-common on the daemons' classpath by integration/cluster (SECURE=1 only).
 *
 * Why: with Kerberos on, Hadoop's class refuses to load without libhadoop.so ("Secure IO is not
 * possible without native code extensions"). Maven Central does not ship libhadoop, and the first
 * log aggregation then kills the NodeManager. This class keeps the API and the checks: a file
 * opened for a user must belong to that user, checked with java.nio instead of fstat(2).
 *
 * One deliberate difference: a file owned by the daemon's own OS user also passes. The test
 * cluster runs containers with DefaultContainerExecutor, so container logs belong to the
 * NodeManager's user; production clusters run LinuxContainerExecutor, where they belong to the
 * application's user and the strict check passes. Without this, aggregated logs and the NM's log
 * pages would hold "did not match expected owner" instead of the containers' output.
 */
package org.apache.hadoop.io;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;

public class SecureIOUtils {
  private static final String DAEMON_USER = System.getProperty("user.name");

  public static RandomAccessFile openForRandomRead(File f, String mode, String expectedOwner,
      String expectedGroup) throws IOException {
    RandomAccessFile raf = new RandomAccessFile(f, mode);
    if (!UserGroupInformation.isSecurityEnabled()) {
      return raf;
    }
    return checked(raf, f, expectedOwner, expectedGroup);
  }

  protected static RandomAccessFile forceSecureOpenForRandomRead(File f, String mode,
      String expectedOwner, String expectedGroup) throws IOException {
    return checked(new RandomAccessFile(f, mode), f, expectedOwner, expectedGroup);
  }

  public static FSDataInputStream openFSDataInputStream(File file, String expectedOwner,
      String expectedGroup) throws IOException {
    FSDataInputStream in = FileSystem.getLocal(new Configuration()).getRaw()
        .open(new org.apache.hadoop.fs.Path(file.getAbsolutePath()));
    if (!UserGroupInformation.isSecurityEnabled()) {
      return in;
    }
    return checked(in, file, expectedOwner, expectedGroup);
  }

  protected static FSDataInputStream forceSecureOpenFSDataInputStream(File file,
      String expectedOwner, String expectedGroup) throws IOException {
    FSDataInputStream in = FileSystem.getLocal(new Configuration()).getRaw()
        .open(new org.apache.hadoop.fs.Path(file.getAbsolutePath()));
    return checked(in, file, expectedOwner, expectedGroup);
  }

  public static FileInputStream openForRead(File f, String expectedOwner, String expectedGroup)
      throws IOException {
    FileInputStream in = new FileInputStream(f);
    if (!UserGroupInformation.isSecurityEnabled()) {
      return in;
    }
    return checked(in, f, expectedOwner, expectedGroup);
  }

  protected static FileInputStream forceSecureOpenForRead(File f, String expectedOwner,
      String expectedGroup) throws IOException {
    return checked(new FileInputStream(f), f, expectedOwner, expectedGroup);
  }

  /** Creates f exclusively (O_CREAT|O_EXCL) with the given permissions, as Hadoop's does. */
  public static FileOutputStream createForWrite(File f, int permissions) throws IOException {
    Path p = f.toPath();
    Set<PosixFilePermission> perms =
        PosixFilePermissions.fromString(new FsPermission((short) (permissions & 0777)).toString());
    try {
      Files.createFile(p, PosixFilePermissions.asFileAttribute(perms));
    } catch (FileAlreadyExistsException e) {
      throw new AlreadyExistsException(e);
    }
    // The create honoured the umask; the caller asked for exactly these bits.
    Files.setPosixFilePermissions(p, perms);
    return new FileOutputStream(f);
  }

  private static <T extends java.io.Closeable> T checked(T stream, File f, String expectedOwner,
      String expectedGroup) throws IOException {
    boolean ok = false;
    try {
      // NOFOLLOW_LINKS: the check is about the file we were asked for, not a link's target.
      PosixFileAttributes a = Files.readAttributes(f.toPath(), PosixFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS);
      String owner = a.owner().getName();
      String group = a.group().getName();
      if (expectedOwner != null && !expectedOwner.equals(owner) && !owner.equals(DAEMON_USER)) {
        throw new IOException("Owner '" + owner + "' for path " + f
            + " did not match expected owner '" + expectedOwner + "'");
      }
      if (expectedGroup != null && !expectedGroup.equals(group)) {
        throw new IOException("Group '" + group + "' for path " + f
            + " did not match expected group '" + expectedGroup + "'");
      }
      ok = true;
      return stream;
    } finally {
      if (!ok) {
        stream.close();
      }
    }
  }

  /** Signals that an attempt to create a file at a given pathname has failed because another
   * file already existed at that path. */
  public static class AlreadyExistsException extends IOException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String msg) {
      super(msg);
    }

    public AlreadyExistsException(Throwable cause) {
      super(cause);
    }
  }
}
