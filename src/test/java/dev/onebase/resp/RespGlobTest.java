package dev.onebase.resp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** Redis's glob (util.c stringmatchlen, tests/unit/keyspace.tcl's pattern cases), without a server. */
class RespGlobTest {

    @Test
    void globs() {
        assertTrue(RespGlob.matches("*", ""));
        assertTrue(RespGlob.matches("", ""));
        assertFalse(RespGlob.matches("?", ""));
        assertTrue(RespGlob.matches("foo*", "foo_a"));
        assertFalse(RespGlob.matches("foo*", "key_x"));
        assertTrue(RespGlob.matches("*{b}*", "{b}a"));
        assertTrue(RespGlob.matches("h?llo", "hello"));
        assertTrue(RespGlob.matches("h*llo", "heeeello"));
        assertTrue(RespGlob.matches("h[ae]llo", "hallo"));
        assertFalse(RespGlob.matches("h[^e]llo", "hello"));
        assertTrue(RespGlob.matches("h[a-b]llo", "hbllo"));
        assertTrue(RespGlob.matches("h[b-a]llo", "hallo"));
        assertTrue(RespGlob.matches("a\\*b", "a*b"));
        assertFalse(RespGlob.matches("a\\*b", "axb"));
        assertTrue(RespGlob.matches("*a*b*c", "xxaxxbxxc"));
        assertFalse(RespGlob.matches("*a*b*c", "xxaxxcxxb"));
        assertTrue(RespGlob.matches("a*", "a"));
        assertTrue(RespGlob.matches("*x", "xx"));
        assertTrue(RespGlob.matches("[\\]]", "]"));
        assertTrue(RespGlob.matches("**a", "ba"));
        assertFalse(RespGlob.matches("a[", "a"));
    }

    @Test
    void nestedStarsTakeLinearTime() {
        // keyspace.tcl "Regression for pattern matching long nested loops" / "very long nested loops": a recursive
        // matcher took exponential time here (and held the event loop)
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertFalse(RespGlob.matches("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(40)));
            assertFalse(RespGlob.matches("*?".repeat(50000), "a".repeat(512)));
            assertTrue(RespGlob.matches("*?".repeat(200), "a".repeat(512)));
        });
    }
}
