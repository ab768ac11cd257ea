package dev.onebase.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.onebase.testsupport.Eventually;
import dev.onebase.testsupport.TestApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * The console in a real headless Chromium (Debian's chromium and chromium-driver, installed by .ci/run): what an operator
 * does, end to end, with a screenshot of every page under target/console-screenshots/.
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static final Path SHOTS = Path.of("target/console-screenshots");
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String CHROMIUM = "/usr/bin/chromium";

    private static ChromeDriver driver;
    private static ChromeDriverService service;
    private static Path profile;

    @BeforeAll
    static void startBrowser() throws IOException {
        assertTrue(new File(CHROMEDRIVER).canExecute() && new File(CHROMIUM).canExecute(),
                "the browser tests need Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)");
        Files.createDirectories(SHOTS);
        profile = Files.createTempDirectory("onebase-chromium");
        // the machine's driver, never one Selenium Manager would download
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile);
        driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1280, 800));
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anOperatorRunsTheBackendFromTheBrowser() throws Exception {
        String base = "http://localhost:" + RestAssured.port;

        // sign in, with the keyboard only
        driver.get(base + "/console/dashboard");
        assertTrue(driver.getCurrentUrl().endsWith("/console/login"), driver.getCurrentUrl());
        checkAccessible("login");
        driver.switchTo().activeElement().sendKeys(TestApi.ADMIN_TOKEN, Keys.ENTER);
        waitFor(() -> driver.getCurrentUrl().endsWith("/console/dashboard"));
        checkAccessible("dashboard");

        // create a tenant: its first key is shown once
        driver.get(base + "/console/tenants");
        String slug = "browser-" + Math.abs(new Random().nextInt());
        driver.findElement(By.id("new-slug")).sendKeys(slug);
        driver.findElement(By.id("new-name")).sendKeys("Browser Test");
        driver.findElement(By.cssSelector("#create-tenant button")).click();
        waitFor(() -> !driver.findElements(By.id("secret")).isEmpty());
        assertTrue(driver.findElement(By.id("secret")).getAttribute("value").startsWith("ob_"));
        assertEquals(slug, driver.findElement(By.id("tenant-slug")).getText());
        checkAccessible("tenant");
        String tenantId = driver.findElement(By.cssSelector("dd code")).getText();
        String tenantKey = driver.findElement(By.id("secret")).getAttribute("value");
        driver.get(base + "/console/tenants?q=" + slug);
        assertTrue(driver.findElement(By.tagName("table")).getText().contains(slug));
        checkAccessible("tenants");

        // upload a file and watch the progress bar reach 100%, then an image, which gets a thumbnail
        driver.get(base + "/console/files?tenant=" + tenantId);
        Path big = Files.createTempFile("upload", ".bin");
        byte[] bytes = new byte[4 * 1024 * 1024];
        new Random(1).nextBytes(bytes);
        Files.write(big, bytes);
        List<String> seen = new ArrayList<>();
        // on loopback 4 MiB go up faster than a poll: a slow link (1 MiB/s up) lets the test see the bar move
        var slowLink = new org.openqa.selenium.chromium.ChromiumNetworkConditions();
        slowLink.setLatency(Duration.ofMillis(5));
        slowLink.setUploadThroughput(1024 * 1024);
        slowLink.setDownloadThroughput(64 * 1024 * 1024);
        driver.setNetworkConditions(slowLink);
        driver.findElement(By.id("upload-file")).sendKeys(big.toString());
        driver.findElement(By.cssSelector("#upload button")).click();
        waitFor(() -> {
            seen.add(driver.findElement(By.id("upload-status")).getText());
            return seen.get(seen.size() - 1).startsWith("Uploaded");
        });
        driver.deleteNetworkConditions();
        assertEquals("100", driver.findElement(By.id("upload-progress")).getAttribute("value"));
        assertTrue(seen.stream().anyMatch(s -> s.contains("% of " + bytes.length + " bytes sent")), "the progress was shown: " + seen);
        waitFor(() -> driver.findElement(By.tagName("table")).getText().contains(big.getFileName().toString()));
        Path png = Files.createTempFile("picture", ".png");
        BufferedImage image = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(java.awt.Color.ORANGE);
        g.fillOval(40, 20, 240, 160);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
        driver.findElement(By.id("upload-file")).sendKeys(png.toString());
        driver.findElement(By.cssSelector("#upload button")).click();
        waitFor(() -> driver.findElements(By.cssSelector("img.thumb")).stream()
                .anyMatch(i -> (Boolean) ((JavascriptExecutor) driver).executeScript("return arguments[0].complete && arguments[0].naturalWidth > 0", i)));
        checkAccessible("files");

        // the tenant's usage over time: 3 API calls, sampled by the job (run through the job API, not the clock)
        for (int i = 0; i < 3; i++) {
            RestAssured.given().header("Authorization", "Bearer " + tenantKey).contentType("text/plain").body("v")
                    .put("/api/v1/cache/counted-" + i).then().statusCode(204);
        }
        Eventually.until("the 3 requests are sampled", () -> {
            TestApi.asAdmin().post("/admin/jobs/sample-usage/run?wait=true").then().statusCode(200);
            return TestApi.asAdmin().get("/admin/usage/" + tenantId + "/history").then().statusCode(200).extract().jsonPath()
                    .getList("points.requests", Integer.class).stream().mapToInt(Integer::intValue).sum() == 3;
        });
        TestApi.asAdmin().post("/admin/jobs/refresh-stats/run?wait=true").then().statusCode(200);
        driver.get(base + "/console/tenants/" + tenantId);
        List<WebElement> perMinute = driver.findElements(By.cssSelector("#usage-history svg[data-kind=columns]"));
        assertEquals(2, perMinute.size(), "requests per minute and per day");
        assertEquals("Requests per minute, last hour", perMinute.get(0).findElement(By.tagName("title")).getAttribute("textContent"));
        List<WebElement> columns = perMinute.get(0).findElements(By.cssSelector("rect.bar"));
        assertEquals(60, columns.size(), "a column per minute");
        int drawn = columns.stream().mapToInt(c -> {
            String t = c.findElement(By.tagName("title")).getAttribute("textContent");
            return Integer.parseInt(t.substring(t.lastIndexOf(' ') + 1));
        }).sum();
        assertEquals(3, drawn, "the columns add up to the tenant's requests");
        assertTrue(columns.stream().anyMatch(c -> Double.parseDouble(c.getAttribute("height")) > 0), "a column is drawn");
        WebElement storage = driver.findElement(By.cssSelector("#usage-history svg[data-kind=steps] path.line"));
        assertTrue(storage.findElement(By.tagName("title")).getAttribute("textContent").endsWith("MiB"), "the storage line ends at the files' size");
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView()", driver.findElement(By.id("usage-history")));
        shot("tenant-usage");

        // a flag: the preview follows the edit before it is saved
        driver.get(base + "/console/flags?tenant=" + tenantId + "&key=new-checkout");
        waitFor(() -> driver.findElement(By.id("flag-preview")).getText().startsWith("variant off"));
        WebElement editor = driver.findElement(By.id("flag-json"));
        String edited = editor.getAttribute("value").replace("\"defaultVariant\" : \"off\"", "\"defaultVariant\" : \"on\"")
                .replace("\"defaultVariant\": \"off\"", "\"defaultVariant\": \"on\"");
        ((JavascriptExecutor) driver).executeScript("arguments[0].value = ''", editor);
        editor.sendKeys(edited);
        waitFor(() -> driver.findElement(By.id("flag-preview")).getText().startsWith("variant on"));
        checkAccessible("flags");
        driver.findElement(By.cssSelector("#flag-form button")).click();
        waitFor(() -> driver.findElement(By.cssSelector(".notice")).getText().contains("new-checkout"));
        assertTrue(driver.findElement(By.cssSelector(".keys")).getText().contains("new-checkout"));

        // a cache key, set from the browser
        driver.get(base + "/console/cache?tenant=" + tenantId);
        driver.findElement(By.id("cache-key")).sendKeys("greeting");
        driver.findElement(By.id("cache-value")).sendKeys("hello from the console");
        driver.findElement(By.id("cache-ttl")).sendKeys("600");
        driver.findElement(By.cssSelector("form.stack button")).click();
        waitFor(() -> driver.findElement(By.id("cache-value")).getText().contains("hello from the console"));
        checkAccessible("cache");

        driver.get(base + "/console/sessions?tenant=" + tenantId + "&user=user-1");
        checkAccessible("sessions");

        // start a snapshot and watch it until the list shows it succeeded
        driver.get(base + "/console/backups");
        List<WebElement> newest = driver.findElements(By.cssSelector("#backup-list tbody tr:first-child td:first-child"));
        long before = newest.isEmpty() ? 0 : Long.parseLong(newest.get(0).getText());
        driver.findElement(By.id("start-snapshot")).click();
        List<String> progress = new ArrayList<>();
        new WebDriverWait(driver, Duration.ofSeconds(180)).pollingEvery(Duration.ofMillis(200))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .ignoring(org.openqa.selenium.WebDriverException.class).until(d -> {
            progress.add(d.findElement(By.id("backup-status")).getText());
            return d.findElement(By.id("backup-list")).getText().lines()
                    .anyMatch(l -> l.matches("\\d+ snapshot succeeded .*") && Long.parseLong(l.split(" ")[0]) > before);
        });
        assertTrue(progress.stream().anyMatch(s -> !s.equals("…")), "the page showed the progress: " + progress);
        checkAccessible("backups");

        driver.get(base + "/console/jobs?job=backup-snapshot");
        waitFor(() -> driver.findElement(By.id("job-status")).getText().startsWith("idle"));
        assertTrue(driver.findElements(By.cssSelector("svg.chart rect.succeeded")).size() >= 1, "the run is on the time line");
        checkAccessible("jobs");

        driver.get(base + "/console/dashboard");
        driver.findElement(By.cssSelector("main form button")).click();
        waitFor(() -> driver.findElement(By.cssSelector(".notice")).getText().startsWith("Counted"));
        checkAccessible("dashboard");

        // narrow screens: nothing wider than the window
        driver.manage().window().setSize(new Dimension(390, 844));
        List<String> wide = new ArrayList<>();
        for (String page : List.of("dashboard", "tenants", "tenants/" + tenantId, "cache?tenant=" + tenantId, "sessions?tenant=" + tenantId,
                "flags?tenant=" + tenantId, "files?tenant=" + tenantId, "jobs", "backups")) {
            driver.get(base + "/console/" + page);
            Long overflow = (Long) ((JavascriptExecutor) driver)
                    .executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
            if (overflow > 1) {
                wide.add(page + " scrolls sideways by " + overflow + "px at 390px: " + ((JavascriptExecutor) driver).executeScript("""
                        var w = document.documentElement.clientWidth, out = [];
                        document.querySelectorAll('body *').forEach(function (e) {
                          var r = e.getBoundingClientRect();
                          if (r.right > w + 1) out.push(e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
                        });
                        return out.slice(0, 12).join(', ');"""));
            }
            String name = page.replaceAll("\\?.*", "").replaceAll("/.*", "");
            if (List.of("dashboard", "tenants", "backups").contains(page) || page.startsWith("tenants/")) {
                shot((page.startsWith("tenants/") ? "tenant" : name) + "-narrow");
            }
        }
        assertEquals(List.of(), wide, "pages wider than a phone");
        driver.manage().window().setSize(new Dimension(1280, 800));

        // sign out: the session is gone
        driver.get(base + "/console/dashboard");
        driver.findElement(By.id("sign-out")).click();
        waitFor(() -> driver.getCurrentUrl().contains("/console/login"));
        driver.get(base + "/console/tenants");
        assertTrue(driver.getCurrentUrl().endsWith("/console/login"), "signed out: " + driver.getCurrentUrl());

        // the tenant's own view, signed in with its manage-scoped key: its pages only
        driver.switchTo().activeElement().sendKeys(tenantKey, Keys.ENTER);
        waitFor(() -> driver.getCurrentUrl().endsWith("/console/tenants/" + tenantId));
        String menu = driver.findElement(By.cssSelector("nav")).getText();
        assertTrue(menu.contains("Usage and keys") && !menu.contains("Dashboard") && !menu.contains("Backups"), menu);
        assertTrue(driver.findElements(By.id("delete-confirm")).isEmpty(), "no lifecycle controls for a tenant");
        assertEquals(2, driver.findElements(By.cssSelector("#usage-history svg[data-kind=columns]")).size());
        checkAccessible("tenant-view");
        driver.get(base + "/console/backups");
        assertTrue(driver.getPageSource().contains("Only an operator may open this page"), driver.getPageSource());
        driver.get(base + "/console/tenants/" + tenantId);
        driver.findElement(By.id("sign-out")).click();
        waitFor(() -> driver.getCurrentUrl().contains("/console/login"));
    }

    /** Every visible control has a name a screen reader can read, and the page is shot for review. */
    private static void checkAccessible(String page) throws IOException {
        @SuppressWarnings("unchecked")
        List<String> unlabelled = (List<String>) ((JavascriptExecutor) driver).executeScript("""
                var bad = [];
                document.querySelectorAll('input, select, textarea, button').forEach(function (el) {
                  if (el.type === 'hidden') return;
                  var named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label')
                    || (el.tagName === 'BUTTON' && el.textContent.trim().length > 0);
                  if (!named) bad.push(el.outerHTML.substring(0, 120));
                });
                return bad;""");
        assertEquals(List.of(), unlabelled, page + ": controls without a label");
        checkKeyboard(page);
        shot(page);
    }

    /**
     * The whole page with the Tab key alone: every control that can take focus is reached, in document order (no
     * positive tabindex reshuffles it), the skip link first; each shows a visible focus style when it has focus, and
     * has an accessible name as Chromium computes it (its accessibility tree, not a guess of ours).
     */
    @SuppressWarnings("unchecked")
    private static void checkKeyboard(String page) {
        JavascriptExecutor js = (JavascriptExecutor) driver;
        List<WebElement> expected = (List<WebElement>) js.executeScript("""
                var all = document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex], [contenteditable]');
                return Array.prototype.filter.call(all, function (el) {
                  if (el.disabled || el.type === 'hidden' || el.tabIndex < 0) return false;
                  var st = getComputedStyle(el);
                  return el.getClientRects().length > 0 && st.visibility !== 'hidden' && st.display !== 'none';
                });""");
        assertTrue(expected.size() > 1, page + ": controls found");
        List<Object> positive = (List<Object>) js.executeScript(
                "return Array.prototype.map.call(document.querySelectorAll('[tabindex]'), function (e) { return e.tabIndex; })"
                        + ".filter(function (t) { return t > 0; });");
        assertEquals(List.of(), positive, page + ": a positive tabindex breaks the document order");
        // start before the first element, then press Tab once per control; a focusin listener notes each stop and its style
        js.executeScript("""
                window.__stops = []; window.__styles = [];
                document.addEventListener('focusin', function (e) {
                  var st = getComputedStyle(e.target);
                  var outline = st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2;
                  window.__stops.push(e.target);
                  window.__styles.push(outline || (st.boxShadow && st.boxShadow !== 'none'));
                });
                if (document.activeElement) document.activeElement.blur();
                window.scrollTo(0, 0);
                document.body.setAttribute('tabindex', '-1'); document.body.focus(); document.body.removeAttribute('tabindex');
                window.__stops = []; window.__styles = [];""");
        new org.openqa.selenium.interactions.Actions(driver)
                .sendKeys(Keys.TAB.toString().repeat(expected.size())).perform();
        List<WebElement> stops = (List<WebElement>) js.executeScript("return window.__stops;");
        List<Boolean> styled = (List<Boolean>) js.executeScript("return window.__styles;");
        List<String> want = describe(expected);
        List<String> got = describe(stops);
        assertEquals(want, got, page + ": the Tab order reaches every control, in document order");
        if (!driver.findElements(By.cssSelector("a.skip")).isEmpty()) {
            assertTrue(got.get(0).startsWith("a.skip"), page + ": the skip link comes first: " + got.get(0));
        }
        List<String> unstyled = new ArrayList<>();
        List<String> nameless = new ArrayList<>();
        for (int i = 0; i < stops.size(); i++) {
            if (!styled.get(i)) {
                unstyled.add(got.get(i));
            }
            String name = stops.get(i).getAccessibleName();
            if (name == null || name.isBlank()) {
                nameless.add(got.get(i));
            }
        }
        assertEquals(List.of(), unstyled, page + ": controls without a visible focus style");
        assertEquals(List.of(), nameless, page + ": controls without an accessible name");
        // leave the page as it was found: focus where the page puts it itself
        js.executeScript("var a = document.querySelector('[autofocus]'); if (a) { a.focus(); } else if (document.activeElement) { document.activeElement.blur(); } window.scrollTo(0, 0);");
    }

    @SuppressWarnings("unchecked")
    private static List<String> describe(List<WebElement> elements) {
        return (List<String>) ((JavascriptExecutor) driver).executeScript("""
                return arguments[0].map(function (e) { return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className : '')
                  + (e.getAttribute('href') ? '[' + e.getAttribute('href') + ']' : '') + (e.name ? '[name=' + e.name + ']' : '')
                  + ' ' + (e.textContent || e.value || '').trim().substring(0, 30); });""", elements);
    }

    private static void shot(String name) throws IOException {
        Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        try {
            // the page may reload between finding an element and reading it (after an upload, a finished backup): ask again
            new WebDriverWait(driver, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(100))
                    .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .ignoring(org.openqa.selenium.WebDriverException.class).until(d -> condition.getAsBoolean());
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("timed out on " + driver.getCurrentUrl() + ":\n" + driver.getPageSource(), e);
        }
    }
}
