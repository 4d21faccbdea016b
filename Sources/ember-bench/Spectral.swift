// Fourier transforms: batches of one-sided transforms of the sizes audio uses (and a large prime), the
// short-time transform of ten seconds of 16 kHz audio, and torchaudio's default mel spectrogram of it.
import Ember
import EmberAudio

func runSpectralBenchmarks() {
    Ember.manualSeed(0)
    for (n, batch) in [(256, 64), (400, 64), (512, 64), (1024, 64), (4096, 64), (100_003, 2)] {
        // One frame per row: the transform of each row, as torch.fft.rfft(x) computes it.
        let x = Tensor.randn(batch, n)
        let seconds = measure(batchSeconds: 0.3, batches: 5) {
            blackHole(x.stft(nFFT: n, hopLength: n, center: false, returnComplex: false))
        }
        report("rfft \(n) batch \(batch)", seconds * 1e6, "us")
    }
    let speech = Tensor.randn(1, 160_000), window = Tensor.hannWindow(400)
    report("stft 400/160 10 s 16 kHz", measure(batchSeconds: 0.3, batches: 5) {
        blackHole(speech.stft(nFFT: 400, hopLength: 160, window: window, returnComplex: false))
    } * 1e3, "ms")
    let mel = MelSpectrogram()
    report("MelSpectrogram() 10 s 16 kHz", measure(batchSeconds: 0.3, batches: 5) { blackHole(mel(speech)) } * 1e3, "ms")
}
