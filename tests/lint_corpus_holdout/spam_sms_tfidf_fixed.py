import re
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.metrics import accuracy_score, precision_score, recall_score, f1_score


def clean(text):
    text = text.lower()
    text = re.sub(r"https?://\S+", " url ", text)
    text = re.sub(r"\d{5,}", " longnum ", text)
    return re.sub(r"[^a-z\s]", " ", text)


sms = (
    pd.read_csv("spam.csv", encoding="latin-1")
    .iloc[:, :2]
    .set_axis(["label", "text"], axis=1)
    .assign(label=lambda d: d["label"].map({"ham": 0, "spam": 1}),
            text=lambda d: d["text"].map(clean))
    .drop_duplicates(subset="text")
)

text_train, text_test, y_train, y_test = train_test_split(
    sms["text"], sms["label"], test_size=0.2, random_state=42, stratify=sms["label"])

tfidf = TfidfVectorizer(stop_words="english", min_df=2, ngram_range=(1, 2), sublinear_tf=True)
X_train = tfidf.fit_transform(text_train)
X_test = tfidf.transform(text_test)

nb = MultinomialNB(alpha=0.1).fit(X_train, y_train)
pred = nb.predict(X_test)
for name, fn in [("acc", accuracy_score), ("prec", precision_score), ("rec", recall_score), ("f1", f1_score)]:
    print(f"{name:>5}: {fn(y_test, pred):.4f}")
