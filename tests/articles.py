"""Review articles written for the tests, laid out the way blog pages come out when copied:
breadcrumbs, share buttons, bylines, spoiler blocks, affiliate notes and comment lists included.
Sentences marked SECRET are inside spoiler sections and must never show up anywhere."""

from __future__ import annotations

# A K-drama blog: metadata block, [SPOILER ALERT] block, grade and where-to-watch at the end,
# then a subscribe box and a comment list (with a reader's own "Rating:" that must be ignored).
MIRACLE = """\
Home » Reviews » Korean Movies
Miracle in Cell No. 7 (2013) Review: A Father's Love Behind Bars
Posted by Hana Seo | March 3, 2021 | 12 Comments
Share on Facebook
Tweet
Pin it

Director: Lee Hwan-kyung
Screenwriter: Lee Hwan-kyung, Kim Hwang-sung, Kim Young-seok
Cast: Ryu Seung-ryong (Yong-gu), Kal So-won, Park Shin-hye, Oh Dal-su
Genre: Comedy, Drama, Family
Runtime: 127 min

Yong-gu is a man with the mind of a six-year-old who lives for his bright little daughter \
Ye-sung. When he is wrongly jailed for a crime he could not have committed, the hardened men \
of cell number seven decide to help him see her again.

The first hour plays like a warm comedy, and Ryu Seung-ryong never turns Yong-gu into a joke.

[SPOILER ALERT]
SECRET: the prison chief becomes Ye-sung's guardian after the execution.
SECRET: the balloon escape fails at the very last moment.
[END SPOILER]

If you loved Hachi: A Dog's Tale or I Am Sam, keep a box of tissues ready.

FINAL GRADE: A+
VERDICT: A shameless tearjerker that earns every single tear.
WHERE TO WATCH: Viki and Amazon Prime (affiliate links)

Subscribe to our newsletter! Enter your email address to get new reviews every Friday.
This post contains affiliate links. We may earn a commission at no cost to you.

12 thoughts on "Miracle in Cell No. 7 (2013) Review"
Jenny K. says: March 4, 2021 at 9:12 am
Rating: 2/5 from me, too sad.
Reply
"""

# A film critic's site: "Title review – tagline" headline, byline with the site after a comma,
# an unlabelled score line, a "Spoilers" heading section with no closing mark that runs into
# "The Verdict", and share buttons in the middle.
PARASITE = """\
Parasite review – Bong Joon-ho's upstairs-downstairs thriller bites hard
By Mark Ellison, The Reel Ledger
June 2, 2020 · 6 min read

Rating: 4/5

Directed by: Bong Joon-ho
Starring: Song Kang-ho, Lee Sun-kyun, Cho Yeo-jeong, Choi Woo-shik, Park So-dam

The Kim family fold pizza boxes in a semi-basement flat until the son lands a tutoring job \
with the wealthy Parks, and one by one the rest of the family talk their way into the house.

Share this:
Twitter
Facebook
Like this:
Loading...

Bong juggles farce and dread without dropping either, much as he did in Memories of Murder, \
and the house itself is one of the great sets of the decade.

Spoilers
SECRET: there is a bunker under the house and someone has lived in it for years.
SECRET: the birthday party ends in a stabbing.

The Verdict
A furious, funny and precise film about who gets to live above ground. It earns the hype.

Related Posts
Memories of Murder at 20
"""

# A weekly K-drama recap blog: "Drama Review:" headline, a labelled "Title:" line with the year,
# a score out of ten in a sentence, a "when you have watched X, Y or Z" comparison, a
# "[SPOILERS]" ... "[/SPOILERS]" block and a "Leave a Reply" form.
PRISON_PLAYBOOK = """\
K-Drama Review: a prison comedy with a big heart
https://www.seoulscreen.blog/reviews/prison-playbook
Title: Prison Playbook (2017)
Episodes: 16
Network: tvN
Reviewed by Dae-ho Min

Star pitcher Kim Je-hyuk lands in prison the night before he was due to leave for the major \
leagues, and has to learn the unwritten rules of the inmates around him.

When you have watched Reply 1988, Hospital Playlist or Stranger, Prison Playbook is the \
obvious next stop: same writers' room warmth, very different setting.

[SPOILERS] SECRET: Je-hyuk's appeal fails in episode nine. [/SPOILERS]

I give it 8.5/10 for the ensemble alone.

Final thoughts:
Slow to start, impossible to stop. Watch it with friends.

Where to stream: Netflix (US)

Leave a Reply
Your email address will not be published. Required fields are marked *
"""

# A short letterboxd-style post about a film the catalog does not know: stars, a country and
# a year, no comparisons.
NEW_FILM = """\
Movie Review: The Quiet Harbour (2024)
Written by Sofia Marsh for Harbour Lights Film Club

Country: South Korea
Director: Park Eun-ji
Cast: Kim Da-mi, Lee Je-hoon
Genre: Drama, Mystery

A ferry mechanic on a small island starts finding letters addressed to his late mother in \
the hulls of boats he repairs, and sets out to learn who is still writing them.

Rating: 3.5 stars
Bottom line: Gentle, patient and a little too long, but the last shot stays with you.
Streaming on: Mubi
"""

# Not a review at all: a recipe. Nothing in it names a title or gives a grade.
RECIPE = """\
Kimchi fried rice for two
Prep time: 10 minutes
Ingredients: 2 cups cooked rice, 1 cup kimchi, 1 egg, sesame oil.
Fry the kimchi in sesame oil, add the rice, and top with a fried egg.
Share this recipe!
"""
