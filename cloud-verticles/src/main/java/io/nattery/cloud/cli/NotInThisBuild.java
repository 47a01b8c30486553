package io.nattery.cloud.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

import java.util.List;
import java.util.concurrent.Callable;

/** Commands of PROTOCOL.md whose work belongs to a later issue: they say which, and exit 2. */
final class NotInThisBuild {

  private NotInThisBuild() {
  }

  private abstract static class Pending implements Callable<Integer> {
    @Unmatched
    List<String> ignored;

    abstract String what();

    @Override
    public Integer call() {
      System.err.println("nattery: " + what() + " is not in this build yet");
      return 2;
    }
  }
}
