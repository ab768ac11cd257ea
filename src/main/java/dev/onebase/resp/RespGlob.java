package dev.onebase.resp;

/**
 * Redis's glob patterns (KEYS, SCAN MATCH): {@code *} any run, {@code ?} one character, {@code [abc]}, {@code [^a]},
 * {@code [a-z]} and {@code \x} for a literal x.
 */
final class RespGlob {

    private RespGlob() {
    }

    static boolean matches(String pattern, String text) {
        return match(pattern, 0, text, 0);
    }

    private static boolean match(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            switch (c) {
                case '*' -> {
                    while (pi + 1 < p.length() && p.charAt(pi + 1) == '*') {
                        pi++;
                    }
                    if (pi + 1 == p.length()) {
                        return true;
                    }
                    for (int k = si; k <= s.length(); k++) {
                        if (match(p, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    si++;
                    pi++;
                }
                case '[' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    int end = pi + 1;
                    boolean not = end < p.length() && p.charAt(end) == '^';
                    if (not) {
                        end++;
                    }
                    boolean found = false;
                    char ch = s.charAt(si);
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
                    if (found == not) {
                        return false;
                    }
                    si++;
                    pi = Math.min(end + 1, p.length());
                }
                case '\\' -> {
                    if (pi + 1 < p.length()) {
                        pi++;
                    }
                    if (si >= s.length() || s.charAt(si) != p.charAt(pi)) {
                        return false;
                    }
                    si++;
                    pi++;
                }
                default -> {
                    if (si >= s.length() || s.charAt(si) != c) {
                        return false;
                    }
                    si++;
                    pi++;
                }
            }
        }
        return si == s.length();
    }
}
