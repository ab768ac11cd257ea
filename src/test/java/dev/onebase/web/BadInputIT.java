package dev.onebase.web;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/**
 * {@link BadInputTest} against the packaged artifact: the jar in {@code verify}, the native binary with {@code -Dnative}
 * (prod profile; the admin token comes from {@code ONEBASE_ADMIN_TOKEN}, set by failsafe in pom.xml).
 */
@QuarkusIntegrationTest
class BadInputIT extends BadInputTest {
}
