// The examples repository's word_language_model, line by line: an LSTM over word embeddings with dropout,
// NLLLoss on log-softmax, truncated backpropagation with detached hidden states, gradient clipping and a
// hand-written SGD step, on a small built-in corpus. Its PyTorch twin is
// Examples/pytorch/word_language_model.py; the same seed prints the same losses and sample.
import Ember
import Foundation

let text = """
    the quick brown fox jumps over the lazy dog . the dog sleeps in the sun . a quick fox runs
    through the forest and the lazy dog watches . the sun sets over the forest and the fox sleeps .
    a brown dog and a brown fox play in the sun . the forest is quiet when the sun sets .
    """

final class Dictionary {
    var word2idx: [String: Int] = [:]
    var idx2word: [String] = []

    func addWord(_ word: String) -> Int {
        if word2idx[word] == nil {
            idx2word.append(word)
            word2idx[word] = idx2word.count - 1
        }
        return word2idx[word]!
    }
}

final class RNNModel: Module {
    let ntoken: Int, nhid: Int, nlayers: Int
    let drop: Dropout
    let encoder: Embedding
    let rnn: LSTM
    let decoder: Linear

    init(_ ntoken: Int, _ ninp: Int, _ nhid: Int, _ nlayers: Int, dropout: Double = 0.5) {
        self.ntoken = ntoken
        drop = Dropout(dropout)
        encoder = Embedding(ntoken, ninp)
        rnn = LSTM(ninp, nhid, nlayers, dropout: dropout)
        decoder = Linear(nhid, ntoken)
        (self.nhid, self.nlayers) = (nhid, nlayers)
        super.init()
        initWeights()
    }

    func initWeights() {
        let initrange = 0.1
        Init.uniform_(encoder.weight, -initrange, initrange)
        Init.zeros_(decoder.bias!)
        Init.uniform_(decoder.weight, -initrange, initrange)
    }

    func callAsFunction(_ input: Tensor, _ hidden: (h: Tensor, c: Tensor)) -> (Tensor, (h: Tensor, c: Tensor)) {
        let emb = drop(encoder(input))
        var (output, hidden) = rnn(emb, hidden)
        output = drop(output)
        var decoded = decoder(output)
        decoded = decoded.view(-1, ntoken)
        return (F.logSoftmax(decoded, dim: 1), hidden)
    }

    func initHidden(_ bsz: Int) -> (h: Tensor, c: Tensor) {
        let weight = parameters()[0]
        return (weight.newZeros([nlayers, bsz, nhid]), weight.newZeros([nlayers, bsz, nhid]))
    }
}

func batchify(_ data: Tensor, _ bsz: Int) -> Tensor {
    let nbatch = data.size(0) / bsz
    var data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data
}

func getBatch(_ source: Tensor, _ i: Int) -> (Tensor, Tensor) {
    let seqLen = min(bptt, source.size(0) - 1 - i)
    let data = source[i..<i + seqLen]
    let target = source[(i + 1)..<(i + 1 + seqLen)].view(-1)
    return (data, target)
}

func repackageHidden(_ h: (h: Tensor, c: Tensor)) -> (h: Tensor, c: Tensor) { (h.h.detach(), h.c.detach()) }

Ember.manualSeed(1111)
let dictionary = Dictionary()
let ids = Tensor(text.split(whereSeparator: \.isWhitespace).map { dictionary.addWord(String($0)) }, dtype: .int64)
let (batchSize, bptt, clip, lr) = (2, 8, 1.0, 10.0)
let trainData = batchify(ids, batchSize)
let ntokens = dictionary.idx2word.count
let model = RNNModel(ntokens, 16, 32, 2, dropout: 0.1)
let criterion = NLLLoss()

for epoch in 1...30 {
    model.train()
    var totalLoss = 0.0
    var hidden = model.initHidden(batchSize)
    var batches = 0
    for (batch, i) in stride(from: 0, to: trainData.size(0) - 1, by: bptt).enumerated() {
        let (data, targets) = getBatch(trainData, i)
        model.zeroGrad()
        hidden = repackageHidden(hidden)
        let (output, next) = model(data, hidden)
        hidden = next
        let loss = criterion(output, targets)
        loss.backward()
        clipGradNorm_(model.parameters(), maxNorm: clip)
        for p in model.parameters() {
            p.data.add_(p.grad!, alpha: -lr)
        }
        totalLoss += loss.item()
        batches = batch + 1
    }
    if epoch % 5 == 0 {
        print("epoch", epoch, "loss", totalLoss / Double(batches), "ppl", exp(totalLoss / Double(batches)))
    }
}

model.eval()
var words: [String] = []
noGrad {
    var hidden = model.initHidden(1)
    var word = Tensor([[dictionary.word2idx["the"]!]])
    for _ in 0..<8 {
        let (output, next) = model(word, hidden)
        hidden = next
        word = output.argmax(1).view(1, 1)
        words.append(dictionary.idx2word[Int(word.item())])
    }
}
print("sample", words.joined(separator: " "))
