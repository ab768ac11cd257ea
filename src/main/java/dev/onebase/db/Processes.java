package dev.onebase.db;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The one way onebase runs another program (initdb, pg_ctl, PostgreSQL's client tools, tar). Its stdout and stderr
 * are read together, line by line, by a thread of their own, so a program never stalls on a full pipe and progress
 * lines ending in a carriage return arrive one by one. Past its timeout, or once cancelled, the program and every
 * process it started are stopped. A failure says what the program printed.
 */
public final class Processes {

    private static final int TAIL_LINES = 20;
    private static final long POLL_MILLIS = 200;
    private static final Duration GRACE = Duration.ofSeconds(10);

    private Processes() {
    }

    /** A program that could not start, exited with an error, ran out of time or was cancelled. */
    public static class Failed extends IllegalStateException {
        Failed(String message) {
            super(message);
        }

        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public static Command command(List<String> command) {
        return new Command(command);
    }

    /** Runs {@code command} (as {@code asUser} unless null) to its end and returns what it printed. */
    public static String run(List<String> command, String asUser, long timeoutSeconds) {
        return command(command).as(asUser).timeout(Duration.ofSeconds(timeoutSeconds)).run();
    }

    /** What to run and how; {@link #run()} waits for the end, {@link #start()} leaves the waiting to the caller. */
    public static final class Command {
        private final List<String> command;
        private final Map<String, String> env = new LinkedHashMap<>();
        private String name;
        private String asUser;
        private Duration timeout;
        private BooleanSupplier cancelled = () -> false;
        private Consumer<String> onLine = line -> {
        };
        private Runnable whileRunning = () -> {
        };

        private Command(List<String> command) {
            this.command = List.copyOf(command);
            this.name = String.join(" ", command);
        }

        /** How failures name the program; the command line by default. */
        public Command named(String name) {
            this.name = name;
            return this;
        }

        /** Runs it as another OS user (through runuser); null runs it as this process's user. */
        public Command as(String osUser) {
            this.asUser = osUser;
            return this;
        }

        /** Sets a variable of its environment; a null value removes it. */
        public Command env(String variable, String value) {
            env.put(variable, value);
            return this;
        }

        /** After this long it is stopped and fails; none by default. */
        public Command timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Checked while it runs: once true it is stopped and fails. */
        public Command cancelledWhen(BooleanSupplier cancelled) {
            this.cancelled = cancelled;
            return this;
        }

        /** Receives every line it prints, on the thread that reads its output. */
        public Command onLine(Consumer<String> onLine) {
            this.onLine = onLine;
            return this;
        }

        /** Called about five times a second while it runs (to poll progress), on the thread that waits. */
        public Command whileRunning(Runnable tick) {
            this.whileRunning = tick;
            return this;
        }

        /** Runs it to its end; returns everything it printed. */
        public String run() {
            try (Running running = start(Integer.MAX_VALUE)) {
                return running.await();
            }
        }

        /** Starts it; the caller awaits it or stops it (closing it stops it if it still runs). */
        public Running start() {
            return start(TAIL_LINES);
        }

        private Running start(int keepLines) {
            List<String> full = new ArrayList<>();
            if (asUser != null) {
                full.addAll(List.of("runuser", "-u", asUser, "--"));
            }
            full.addAll(command);
            ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
            env.forEach((variable, value) -> {
                if (value == null) {
                    pb.environment().remove(variable);
                } else {
                    pb.environment().put(variable, value);
                }
            });
            try {
                Process process = pb.start();
                process.getOutputStream().close();
                return new Running(this, process, keepLines);
            } catch (IOException e) {
                throw new Failed("cannot run " + name + ": " + e.getMessage(), e);
            }
        }
    }

    /** A started program. */
    public static final class Running implements AutoCloseable {
        private final Command command;
        private final Process process;
        private final long deadline;
        private final int keepLines;
        private final Deque<String> output = new ArrayDeque<>();
        private final Thread reader;

        private Running(Command command, Process process, int keepLines) {
            this.command = command;
            this.process = process;
            this.keepLines = keepLines;
            this.deadline = command.timeout == null ? Long.MAX_VALUE : System.nanoTime() + command.timeout.toNanos();
            this.reader = new Thread(this::readOutput, "process-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        public Process process() {
            return process;
        }

        /**
         * Waits for the end, stopping it past its timeout or once cancelled; returns what it printed (the last lines
         * only, unless it was {@link Command#run() run}), and fails unless it exited with 0.
         */
        public String await() {
            try {
                while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                    command.whileRunning.run();
                    boolean cancelled = command.cancelled.getAsBoolean();
                    if (cancelled || System.nanoTime() > deadline) {
                        stop();
                        throw new Failed(command.name + " was stopped: "
                                + (cancelled ? "cancelled" : "timed out after " + command.timeout));
                    }
                }
                reader.join(5000);
            } catch (InterruptedException e) {
                kill(process.descendants().toList());
                Thread.currentThread().interrupt();
                throw new Failed(command.name + " interrupted", e);
            }
            if (process.exitValue() != 0) {
                throw new Failed(command.name + " failed (exit " + process.exitValue() + "): " + printed().trim());
            }
            return printed();
        }

        /** Waits up to {@code time} for it to exit; true once it has (and its output is read). */
        public boolean waitFor(Duration time) throws InterruptedException {
            if (!process.waitFor(time.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
            reader.join(5000);
            return true;
        }

        public int exitValue() {
            return process.exitValue();
        }

        /** The last {@code n} lines it printed (at most the last 20 of a started program). */
        public List<String> lastLines(int n) {
            synchronized (output) {
                return List.copyOf(output).subList(Math.max(0, output.size() - n), output.size());
            }
        }

        /** Asks it and every process it started to stop, and forces them after a grace period. */
        public void stop() {
            List<ProcessHandle> tree = process.descendants().toList();
            tree.forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            kill(tree);
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                stop();
            }
        }

        private void kill(List<ProcessHandle> tree) {
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }

        private String printed() {
            synchronized (output) {
                return output.isEmpty() ? "" : String.join("\n", output) + "\n";
            }
        }

        /** Splits on \n and \r; empty lines are dropped. */
        private void readOutput() {
            StringBuilder line = new StringBuilder();
            char[] buf = new char[8192];
            try (Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n; i++) {
                        char c = buf[i];
                        if (c == '\n' || c == '\r') {
                            emit(line);
                        } else {
                            line.append(c);
                        }
                    }
                }
            } catch (IOException e) {
                // the program went away; what it printed so far is reported
            }
            emit(line);
        }

        private void emit(StringBuilder line) {
            if (line.length() == 0) {
                return;
            }
            String text = line.toString();
            line.setLength(0);
            synchronized (output) {
                output.addLast(text);
                if (output.size() > keepLines) {
                    output.removeFirst();
                }
            }
            command.onLine.accept(text);
        }
    }
}
