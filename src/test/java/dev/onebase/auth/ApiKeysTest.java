package dev.onebase.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;

import org.junit.jupiter.api.Test;

/** The key format is checked by hand (every request parses its key): exactly what the format allows, nothing more. */
class ApiKeysTest {

    @Test
    void aMintedKeyParsesToItsTenantAndHash() {
        UUID tenant = UUID.randomUUID();
        ApiKeys.Minted minted = ApiKeys.mint(tenant);
        ApiKeys.Presented p = ApiKeys.parse(minted.secret()).orElseThrow();
        assertEquals(tenant, p.tenantId());
        assertArrayEquals(minted.hash(), p.hash());
    }

    @Test
    void anythingElseIsMalformed() {
        String good = ApiKeys.mint(UUID.randomUUID()).secret();
        for (String bad : new String[] {"", "ob_", "ob_nonsense", good + "A", good.substring(1), "xb" + good.substring(2),
                good.substring(0, 3) + "G" + good.substring(4), good.substring(0, 3) + "A" + good.substring(4),
                good.substring(0, 35) + "-" + good.substring(36), good.substring(0, 40) + "+" + good.substring(41),
                good.substring(0, 78) + "=", good.substring(0, 78) + "\u00e9"}) {
            assertTrue(ApiKeys.parse(bad).isEmpty(), bad);
        }
    }

    /** The last key parsed on a thread is remembered: a key asked right after another gets its own tenant and hash. */
    @Test
    void eachKeyGetsItsOwnParseWhateverCameBefore() {
        UUID t1 = UUID.randomUUID();
        UUID t2 = UUID.randomUUID();
        ApiKeys.Minted k1 = ApiKeys.mint(t1);
        ApiKeys.Minted k2 = ApiKeys.mint(t2);
        for (int round = 0; round < 2; round++) {
            assertEquals(t1, ApiKeys.parse(k1.secret()).orElseThrow().tenantId());
            assertArrayEquals(k1.hash(), ApiKeys.parse(new String(k1.secret().toCharArray())).orElseThrow().hash());
            // a key that differs from the one remembered in its last character only: parsed, not taken for it
            String sibling = k1.secret().substring(0, 78) + (k1.secret().charAt(78) == 'A' ? 'B' : 'A');
            assertTrue(!java.util.Arrays.equals(k1.hash(), ApiKeys.parse(sibling).orElseThrow().hash()));
            assertTrue(ApiKeys.parse(k1.secret() + "A").isEmpty());
            ApiKeys.Presented p2 = ApiKeys.parse(k2.secret()).orElseThrow();
            assertEquals(t2, p2.tenantId());
            assertArrayEquals(k2.hash(), p2.hash());
        }
    }
}
