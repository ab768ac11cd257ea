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
}
