package pos.ffi.tests

import uniffi.pos_ffi.*
import java.net.HttpURLConnection
import java.net.URI

// Sync against the real `pos sync-server` on 127.0.0.1, carried by the JVM's
// own HTTP stack (HttpURLConnection) through the SyncTransport foreign trait.
// POS_BIN names the `pos` binary (run-tests.sh builds it and sets it).

class JvmHttp(private val base: String) : SyncTransport {
    override fun send(request: HttpRequest): HttpResponse {
        try {
            val c = URI(base + request.path).toURL().openConnection() as HttpURLConnection
            c.requestMethod = request.method
            c.connectTimeout = 5_000
            c.readTimeout = 10_000
            for (h in request.headers) c.setRequestProperty(h.name, h.value)
            if (request.method == "POST") {
                c.doOutput = true
                c.outputStream.use { it.write(request.body) }
            }
            val status = c.responseCode
            val body = (if (status >= 400) c.errorStream else c.inputStream)?.use { it.readBytes() } ?: ByteArray(0)
            return HttpResponse(status.toUShort(), body)
        } catch (e: java.io.IOException) {
            throw PosException.Sync("transport", e.javaClass.simpleName)
        }
    }
}

class SyncServerProcess(private val binary: String, private val db: String) {
    val port: Int = java.net.ServerSocket(0).use { it.localPort }
    private var proc: Process? = null
    val url get() = "http://127.0.0.1:$port"
    /** The enrolment code the first start of the empty database printed. */
    var code: String? = null

    fun start() {
        val first = code == null
        proc = ProcessBuilder(binary, "sync-server", "--listen", "127.0.0.1:$port", "--db", db,
            "--first-retailer", "r1", "--first-store", "paris-11")
            .redirectOutput(if (first) ProcessBuilder.Redirect.PIPE else ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start()
        if (first) {
            // One JSON line: {"first_start": {..., "enrolment_code": "pec_...", ...}}
            val line = proc!!.inputStream.bufferedReader().readLine() ?: ""
            code = Regex("\"enrolment_code\":\"([^\"]+)\"").find(line)?.groupValues?.get(1)
                ?: throw IllegalStateException("no enrolment code printed: $line")
        }
        val deadline = System.nanoTime() + 20_000_000_000L
        while (System.nanoTime() < deadline) {
            try {
                java.net.Socket("127.0.0.1", port).close()
                return
            } catch (e: java.io.IOException) {
                Thread.sleep(100)
            }
        }
        stop()
        throw IllegalStateException("pos sync-server did not start")
    }

    fun stop() {
        proc?.let { it.destroy(); it.waitFor() }
        proc = null
    }
}

fun syncServerTests() {
    val binary = System.getenv("POS_BIN")
    if (binary.isNullOrEmpty() || !java.io.File(binary).canExecute()) {
        println("skip sync-server tests: POS_BIN does not name a `pos` binary")
        return
    }
    test("sales reach the real sync server over the JVM's HTTP stack, offline period included") {
        val dir = java.nio.file.Files.createTempDirectory("pos-ffi-kt-sync")
        val server = SyncServerProcess(binary, dir.resolve("server.sqlite").toString())
        server.start()
        try {
            val clock = FixedClock(T0)
            val reg = tempTill(clock, 40uL)
            val http = JvmHttp(server.url)
            checkEq(assertThrows<PosException.Sync> { reg.syncEnrolled(http) }.code, "not_enrolled")
            reg.enrollSync(server.code!!, null, http)
            sell(reg, ringUp(reg), TenderMethod.Card to "26.20")
            val report = reg.syncEnrolled(http)
            check(report.pushes >= 1u) { report.toString() }
            checkEq(report.rejections, 0uL)
            checkEq(reg.syncStatus().pending, 0uL)
            server.stop()
            clock.millis += 60_000
            sell(reg, ringUp(reg), TenderMethod.Card to "26.20")
            checkEq(assertThrows<PosException.Sync> { reg.syncEnrolled(http) }.code, "transport")
            checkEq(reg.syncStatus().offlineSinceMillis, clock.millis)
            server.start()
            reg.syncEnrolled(http)
            val back = reg.syncStatus()
            checkEq(back.pending, 0uL)
            checkEq(back.offlineSinceMillis, null)
            check(reg.verify().intact) { "journal not intact" }
        } finally {
            server.stop()
        }
    }
}
