package dev.onebase.resp;

/**
 * Redis's glob patterns (KEYS, SCAN MATCH, HSCAN MATCH): {@code *} any run, {@code ?} one character, {@code [abc]},
 * {@code [^a]}, {@code [a-z]} and {@code \x} for a literal x.
 *
 * <p>Matched without recursion: on a mismatch only the last {@code *} is retried one character further, which is
 * enough for globs (a later star can absorb whatever an earlier one would have), so a pattern costs at most
 * pattern length x key length steps. A recursive matcher took exponential time on patterns such as
 * {@code a*a*a*...b} or {@code *?*?*?...} (keyspace.tcl's "pattern matching long nested loops") and held the event
 * loop meanwhile.
 */
final class RespGlob {

    private RespGlob() {
    }

    static boolean matches(String p, String s) {
        int pi = 0;
        int si = 0;
        int starP = -1;
        int starS = -1;
        while (si < s.length()) {
            if (pi < p.length() && p.charAt(pi) == '*') {
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                if (pi == p.length()) {
                    return true;
                }
                starP = pi;
                starS = si;
                continue;
            }
            int next = pi < p.length() ? single(p, pi, s.charAt(si)) : -1;
            if (next >= 0) {
                pi = next;
                si++;
            } else if (starP >= 0) {
                pi = starP;
                si = ++starS;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    /** Whether the one-character token at {@code pi} (not a star) matches {@code ch}: the index after it, or -1. */
    private static int single(String p, int pi, char ch) {
        char c = p.charAt(pi);
        switch (c) {
            case '?':
                return pi + 1;
            case '\\':
                if (pi + 1 < p.length()) {
                    pi++;
                }
                return p.charAt(pi) == ch ? pi + 1 : -1;
            case '[': {
                int end = pi + 1;
                boolean not = end < p.length() && p.charAt(end) == '^';
                if (not) {
                    end++;
                }
                boolean found = false;
                while (end < p.length() && p.charAt(end) != ']') {
                    if (p.charAt(end) == '\\' && end + 1 < p.length()) {
                        end++;
                        found |= p.charAt(end) == ch;
                    } else if (end + 2 < p.length() && p.charAt(end + 1) == '-' && p.charAt(end + 2) != ']') {
                        char a = p.charAt(end);
                        char b = p.charAt(end + 2);
                        found |= ch >= Math.min(a, b) && ch <= Math.max(a, b);
                        end += 2;
                    } else {
                        found |= p.charAt(end) == ch;
                    }
                    end++;
                }
                return found != not ? Math.min(end + 1, p.length()) : -1;
            }
            default:
                return c == ch ? pi + 1 : -1;
        }
    }
}
