# (Not named sklearn.py: a script of that name would shadow the package it imports.)
# The linear SVM of issue 17: SGDClassifier(loss="hinge", alpha=1e-4) on HashingVectorizer word 1-2
# grams (2^20 features, L2-normalised rows). Reads train and test JSON Lines, prints accuracy and seconds as JSON.
import json, sys, time
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier

def read(path):
    rows = [json.loads(line) for line in open(path, encoding="utf8")]
    return [r["text"] for r in rows], [r["labels"][0] for r in rows]

(xtr, ytr), (xte, yte) = read(sys.argv[1]), read(sys.argv[2])
t0 = time.time()
vec = HashingVectorizer(ngram_range=(1, 2), n_features=2**20, norm="l2")
clf = SGDClassifier(loss="hinge", alpha=1e-4, random_state=int(sys.argv[3]) if len(sys.argv) > 3 else 0)
clf.fit(vec.transform(xtr), ytr)
seconds = time.time() - t0
acc = float((clf.predict(vec.transform(xte)) == yte).mean())
print(json.dumps({"accuracy": acc, "seconds": seconds}))
