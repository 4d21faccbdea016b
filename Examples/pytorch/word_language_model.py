# The PyTorch twin of Examples/word-language-model: the examples repository's word_language_model (an
# LSTM over word embeddings, dropout, NLLLoss on log-softmax, truncated backpropagation with detached
# hidden states, gradient clipping and a hand-written SGD step), on a small built-in corpus.
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

text = """the quick brown fox jumps over the lazy dog . the dog sleeps in the sun . a quick fox runs
through the forest and the lazy dog watches . the sun sets over the forest and the fox sleeps .
a brown dog and a brown fox play in the sun . the forest is quiet when the sun sets ."""


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.5):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.init_weights()
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid))


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i+seq_len]
    target = source[i+1:i+1+seq_len].view(-1)
    return data, target


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


torch.manual_seed(1111)
dictionary = Dictionary()
ids = torch.tensor([dictionary.add_word(word) for word in text.split()], dtype=torch.int64)
batch_size, bptt, clip, lr = 2, 8, 1.0, 10.0
train_data = batchify(ids, batch_size)
ntokens = len(dictionary.idx2word)
model = RNNModel(ntokens, 16, 32, 2, dropout=0.1)
criterion = nn.NLLLoss()

for epoch in range(1, 31):
    model.train()
    total_loss = 0.
    hidden = model.init_hidden(batch_size)
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
    if epoch % 5 == 0:
        print("epoch", epoch, "loss", total_loss / (batch + 1), "ppl", math.exp(total_loss / (batch + 1)))

model.eval()
with torch.no_grad():
    hidden = model.init_hidden(1)
    word = torch.tensor([[dictionary.word2idx["the"]]])
    words = []
    for _ in range(8):
        output, hidden = model(word, hidden)
        word = output.argmax(1).view(1, 1)
        words.append(dictionary.idx2word[word.item()])
print("sample", " ".join(words))
