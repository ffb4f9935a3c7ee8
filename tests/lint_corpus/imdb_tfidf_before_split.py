import re
import string

import pandas as pd
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.metrics import accuracy_score, f1_score, classification_report

# IMDB 50k movie reviews (Kaggle: lakshmi25npathi/imdb-dataset-of-50k-movie-reviews)
data = pd.read_csv("IMDB Dataset.csv")
print(data.shape)
print(data["sentiment"].value_counts())


def clean_text(text):
    text = text.lower()
    text = re.sub(r"<br\s*/?>", " ", text)
    text = re.sub(r"http\S+", "", text)
    text = text.translate(str.maketrans("", "", string.punctuation))
    text = re.sub(r"\s+", " ", text).strip()
    return text


data["review"] = data["review"].apply(clean_text)
data["sentiment"] = data["sentiment"].map({"positive": 1, "negative": 0})

vectorizer = TfidfVectorizer(max_features=50000, ngram_range=(1, 2), min_df=3, sublinear_tf=True)
X = vectorizer.fit_transform(data["review"])
y = data["sentiment"].values
print("tfidf matrix:", X.shape)

(X_train,
 X_test,
 y_train,
 y_test) = train_test_split(X, y,
                            test_size=0.25,
                            random_state=7)

clf = LogisticRegression(C=4, max_iter=2000)
clf.fit(X_train, y_train)
pred = clf.predict(X_test)
print("accuracy: %.4f" % accuracy_score(y_test, pred))
print("f1: %.4f" % f1_score(y_test, pred))
print(classification_report(y_test, pred))
